/**
 * A broker outlives no process that started it: killed outright (SIGKILL: no stop(), no exit
 * handler, as `kill -9` of `npm start` or of a test run), the starter leaves the broker to its
 * watchdog (local/broker-watchdog.ts), which stops it and its port closes. Stopped the normal way,
 * a broker leaves neither itself nor its watchdog. Real brokers on free ports of their own, each in
 * a folder of its own; Kafka's jars come from the folder the test broker already fetched them into.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePorts } from '../../local/free-port';
import { KafkaBroker, portOpen } from '../../local/kafka-broker';
import { localDir, REPO_ROOT } from '../../local/paths';
import { eventually } from '../support/eventually';

/** The live processes whose command line holds `text` (Linux's /proc; a zombie has ended). */
function liveProcesses(text: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(join('/proc', pid, 'stat'), 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (
        readFileSync(join('/proc', pid, 'cmdline'), 'utf8')
          .replaceAll('\0', ' ')
          .includes(text)
      ) {
        found.push(Number(pid));
      }
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const alive = (pid: number) => liveProcesses('').includes(pid);
/** The watchdog's command line names the broker's pid (KafkaBroker passes its options as JSON). */
const watchdogsOf = (brokerPid: number) => liveProcesses(`"brokerPid":${brokerPid},`);

let root: string;
const starters: ChildProcess[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'broker-watchdog-'));
  symlinkSync(join(localDir(), 'kafka-dist'), join(root, 'kafka-dist'));
});

afterAll(() => {
  // Only after a failed assertion is anything left: nothing of this file may outlive it.
  for (const starter of starters) if (starter.exitCode === null && starter.signalCode === null) starter.kill('SIGKILL');
  for (const pid of liveProcesses(root)) process.kill(pid, 'SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('a broker whose starter is killed outright (SIGKILL)', () => {
  it.each([
    ['in its starter process group (a test run)', false],
    ['in a process group of its own (npm start)', true],
  ])(
    'stops: %s',
    async (name, ownProcessGroup) => {
      // Prepare: a Node process that starts a broker, says its pid and port, and keeps running
      const dir = join(root, ownProcessGroup ? 'own-group' : 'same-group');
      mkdirSync(dir);
      const [port, controllerPort] = (await freePorts(2)) as [number, number];
      const code = `
      const { KafkaBroker } = require('./local/kafka-broker.ts');
      const broker = new KafkaBroker(${JSON.stringify({ dir: join(dir, 'kafka'), port, controllerPort, ownProcessGroup })});
      broker.start().then(() => console.log(String(broker.pid)));
      setInterval(() => undefined, 60_000);`;
      const starter = spawn(process.execPath, ['--import', 'tsx', '-e', code], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      starters.push(starter);
      const stdout = starter.stdout as NodeJS.ReadableStream;
      const brokerPid = Number(
        await new Promise<string>((resolve) => createInterface({ input: stdout }).once('line', resolve)),
      );
      expect(alive(brokerPid)).toBe(true);
      expect(await portOpen(port)).toBe(true);
      expect(watchdogsOf(brokerPid)).toHaveLength(1);

      // Act
      const starterGone = new Promise((resolve) => starter.once('exit', resolve));
      starter.kill('SIGKILL');
      await starterGone;

      // Assess: a liveness bound, not a speed assertion; it covers the watchdog's 20 s grace before
      // SIGKILL on a slow machine (a broker shuts down cleanly in a few seconds).
      await eventually(
        `the broker (pid ${brokerPid}, ${name}) and its watchdog to end and its port ${port} to close`,
        async () =>
          !alive(brokerPid) && watchdogsOf(brokerPid).length === 0 && !(await portOpen(port)) ? true : undefined,
        30_000,
      );
      expect(readFileSync(join(dir, 'kafka', 'stdout.log'), 'utf8')).toContain(
        `the process that started Kafka is gone; stopping Kafka (pid ${brokerPid}, SIGTERM)`,
      );
    },
    180_000,
  );
});

describe('a broker stopped the normal way', () => {
  it('leaves neither itself nor its watchdog running, and its port closed', async () => {
    const [port, controllerPort] = (await freePorts(2)) as [number, number];
    const broker = new KafkaBroker({ dir: join(root, 'stopped', 'kafka'), port, controllerPort });
    await broker.start();
    const brokerPid = broker.pid as number;
    expect(watchdogsOf(brokerPid)).toHaveLength(1);

    await broker.stop();

    // No wait: stop() returns once both have ended.
    expect(alive(brokerPid)).toBe(false);
    expect(watchdogsOf(brokerPid)).toEqual([]);
    expect(await portOpen(port)).toBe(false);
    expect(readFileSync(join(root, 'stopped', 'kafka', 'stdout.log'), 'utf8')).not.toContain('stopping Kafka');
  }, 180_000);
});
