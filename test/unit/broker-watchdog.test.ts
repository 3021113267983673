import { nextStep, parseProcStat } from '../../local/broker-watchdog';

describe("the broker watchdog's next step", () => {
  const base = { brokerAlive: true, parentGone: false, terminatedAt: undefined, now: 100_000, graceMs: 20_000 };

  it('waits while the parent lives and the broker runs', () => {
    expect(nextStep(base)).toBe('wait');
  });

  it('exits once the broker is gone, whether or not the parent is', () => {
    expect(nextStep({ ...base, brokerAlive: false })).toBe('exit');
    expect(nextStep({ ...base, brokerAlive: false, parentGone: true })).toBe('exit');
    // Not even the SIGKILL due after the grace: the pid is no longer the broker's.
    expect(nextStep({ ...base, brokerAlive: false, parentGone: true, terminatedAt: 0 })).toBe('exit');
  });

  it('asks the broker to stop once the parent is gone, then waits out the grace before killing it', () => {
    expect(nextStep({ ...base, parentGone: true })).toBe('terminate');
    expect(nextStep({ ...base, parentGone: true, terminatedAt: 90_000 })).toBe('wait');
    expect(nextStep({ ...base, parentGone: true, terminatedAt: 80_000 })).toBe('kill');
  });
});

describe('parseProcStat', () => {
  // The fields of /proc/<pid>/stat from the third on: state, ppid, ..., starttime is the 22nd.
  const rest = (state: string, startTime: string) =>
    [state, '1', '2052', '2052', '0', '-1', '4194560', ...Array(12).fill('0'), startTime, '5000000'].join(' ');

  it('reads the state and the start time', () => {
    expect(parseProcStat(`2052 (java) ${rest('S', '123456')}`)).toEqual({ state: 'S', startTime: '123456' });
  });

  it('is not misled by a command name holding spaces and parentheses', () => {
    expect(parseProcStat(`77 (a) (b c) ${rest('Z', '99')}`)).toEqual({ state: 'Z', startTime: '99' });
  });

  it('gives nothing for a line too short to hold a start time', () => {
    expect(parseProcStat('77 (x) S 1 2')).toBeUndefined();
  });
});
