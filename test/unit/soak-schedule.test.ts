import { random } from '../../local/reliability/orders';
import { FaultSchedule, SOAK_FAULTS } from '../../local/reliability/soak';

describe('Class: FaultSchedule', () => {
  it('draws every kind of fault once first, in an order the seed decides', () => {
    const draws = (seed: number) => {
      const schedule = new FaultSchedule(random(seed));
      return SOAK_FAULTS.map((_, i) => schedule.next(i * 5_000));
    };
    expect([...draws(1)].sort()).toEqual([...SOAK_FAULTS].sort());
    expect(draws(1)).toEqual(draws(1));
    expect(draws(1)).not.toEqual(draws(2));
  });

  it('says when every kind has been drawn', () => {
    const schedule = new FaultSchedule(random(3));
    for (let i = 0; i < SOAK_FAULTS.length - 1; i++) schedule.next(i);
    expect(schedule.everyKindDrawn()).toBe(false);
    schedule.next(SOAK_FAULTS.length);
    expect(schedule.everyKindDrawn()).toBe(true);
  });

  it('never restarts the broker twice within two minutes', () => {
    const schedule = new FaultSchedule(random(5));
    const restarts: number[] = [];
    for (let now = 0; now < 30 * 60_000; now += 5_000) {
      if (schedule.next(now) === 'brokerRestart') restarts.push(now);
    }
    expect(restarts.length).toBeGreaterThan(2);
    for (let i = 1; i < restarts.length; i++) {
      expect((restarts[i] as number) - (restarts[i - 1] as number)).toBeGreaterThanOrEqual(120_000);
    }
  });
});
