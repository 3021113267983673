/**
 * The broker's watchdog process (local/broker-watchdog.ts), started as KafkaBroker starts it, watching
 * a stand-in for the broker: a Node process that says when SIGTERM reaches it. The test is the
 * watchdog's parent; closing the watchdog's stdin is what the kernel does when a parent dies (the
 * real death, with a real broker: test/integration/broker-watchdog.test.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { processIdentity, type WatchdogOptions } from '../../local/broker-watchdog';
import { startBrokerWatchdog } from '../../local/kafka-broker';
import { eventually } from '../support/eventually';

const STAND_IN = `
  const stubborn = process.argv[1] === 'stubborn';
  process.on('SIGTERM', () => {
    console.log('SIGTERM');
    if (!stubborn) process.exit(0);
  });
  setInterval(() => undefined, 1000);
  console.log('ready');`;

let dir: string;
const started: ChildProcess[] = [];

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** A stand-in broker, once its SIGTERM handler is in place, and what it prints. */
async function standIn(stubborn = false): Promise<{ broker: ChildProcess; output: () => string }> {
  const broker = spawn(process.execPath, ['-e', STAND_IN, stubborn ? 'stubborn' : 'obliging'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(broker);
  let output = '';
  const lines = createInterface({ input: broker.stdout as NodeJS.ReadableStream });
  lines.on('line', (line) => {
    output += `${line}\n`;
  });
  await eventually('the stand-in to be ready', () => (output.includes('ready') ? true : undefined));
  return { broker, output: () => output };
}

/** The watchdog, once it watches (its handlers are in place), and its log. */
async function watchdogOf(
  broker: ChildProcess,
  options: Partial<WatchdogOptions> = {},
): Promise<{ watchdog: ChildProcess; log: () => string }> {
  const file = join(dir, `watchdog-${broker.pid}.log`);
  const out = openSync(file, 'a');
  const watchdog = startBrokerWatchdog(
    { brokerPid: broker.pid as number, graceMs: 20_000, ignoreTerminalSignals: false, ...options },
    out,
  );
  closeSync(out);
  started.push(watchdog);
  const log = () => readFileSync(file, 'utf8');
  await eventually('the watchdog to watch', () => (log().includes('watching Kafka') ? true : undefined));
  return { watchdog, log };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'broker-watchdog-'));
});

afterEach(() => {
  // Only a failed assertion leaves any running.
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the broker's watchdog", () => {
  it('stops the broker with SIGTERM once its parent is gone, then exits', async () => {
    const { broker, output } = await standIn();
    const { watchdog, log } = await watchdogOf(broker);

    watchdog.stdin?.destroy();

    expect(await exited(broker)).toEqual({ code: 0, signal: null });
    expect(await exited(watchdog)).toEqual({ code: 0, signal: null });
    expect(output()).toContain('SIGTERM');
    expect(log()).toContain(`the process that started Kafka is gone; stopping Kafka (pid ${broker.pid}, SIGTERM)`);
  });

  it('kills a broker that has not stopped when the grace is over', async () => {
    const { broker, output } = await standIn(true);
    const { watchdog, log } = await watchdogOf(broker, { graceMs: 1_000 });

    watchdog.stdin?.destroy();

    expect(await exited(broker)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await exited(watchdog)).toEqual({ code: 0, signal: null });
    expect(output()).toContain('SIGTERM');
    expect(log()).toContain('did not stop within 1 s; killing it');
  });

  it('exits by itself when the broker has exited, its parent still there', async () => {
    const { broker } = await standIn();
    const { watchdog, log } = await watchdogOf(broker);

    broker.kill('SIGKILL');

    expect(await exited(watchdog)).toEqual({ code: 0, signal: null });
    expect(log()).not.toContain('stopping Kafka');
  });

  it('outlasts a Ctrl-C and a closed terminal when its broker has a group of its own, until its parent ends it', async () => {
    const { broker, output } = await standIn();
    const { watchdog } = await watchdogOf(broker, { ignoreTerminalSignals: true });

    watchdog.kill('SIGINT');
    watchdog.kill('SIGHUP');
    // Two of its polls, for a watchdog that had wrongly ended (or stopped the broker) to show it.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(watchdog.exitCode).toBeNull();
    expect(watchdog.signalCode).toBeNull();

    watchdog.kill();
    expect(await exited(watchdog)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(broker.exitCode).toBeNull();
    expect(output()).not.toContain('SIGTERM');
  });

  it('tells a running process from one that has ended and been reaped', async () => {
    const { broker } = await standIn();
    expect(processIdentity(broker.pid as number)).toBeDefined();
    expect(processIdentity(process.pid)).toBeDefined();
    broker.kill('SIGKILL');
    await exited(broker);
    expect(processIdentity(broker.pid as number)).toBeUndefined();
  });
});
