/**
 * `npm start` stopped the way a person stops it: Ctrl-C in the terminal, which signals the whole
 * foreground process group (npm, the runtime, its dynalite child). The broker sits in a group of its
 * own (bin/local.ts), so the runtime stops it last, after the consumers' last commits: the stop logs
 * no error and leaves no process. Runs the real command with its own folder and ports; Kafka's jars
 * come from the folder the test broker already fetched them into.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../local/free-port';
import { localDir, REPO_ROOT } from '../../local/paths';
import { sampleOrderRequest } from '../../local/samples';
import { eventually } from '../support/eventually';

interface ProcessEntry {
  readonly pid: number;
  readonly group: number;
  readonly command: string;
}

/** The live processes (Linux's /proc; a zombie has ended, only its parent's wait is missing). */
function liveProcesses(): ProcessEntry[] {
  const found: ProcessEntry[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(join('/proc', pid, 'stat'), 'utf8');
      // The command name sits in parentheses and may hold spaces: the fields after it are what count.
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue;
      const command = readFileSync(join('/proc', pid, 'cmdline'), 'utf8').replaceAll('\0', ' ');
      found.push({ pid: Number(pid), group: Number(group), command });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('npm start, stopped with Ctrl-C', () => {
  let dir: string;
  let pipeline: ChildProcess | undefined;
  let output = '';
  /** What is left of this pipeline: its terminal group's processes, and any naming its folder (the broker). */
  const leftOver = () =>
    liveProcesses().filter((p) => (pipeline?.pid !== undefined && p.group === pipeline.pid) || p.command.includes(dir));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'npm-start-'));
    symlinkSync(join(localDir(), 'kafka-dist'), join(dir, 'kafka-dist'));
  });

  afterAll(() => {
    // Only after a failed assertion is anything left: nothing of this run may outlive the test.
    for (const left of leftOver()) process.kill(left.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits, then stops the broker last: no error after the Ctrl-C, nothing left running', async () => {
    // Prepare: the pipeline in a process group of its own, as a terminal starts it
    const [apiPort, kafkaPort, dynamoPort] = await freePorts(3);
    const { POWERTOOLS_LOG_LEVEL: _level, ...shell } = process.env;
    pipeline = spawn('npm', ['start', '--', '--no-watch'], {
      cwd: REPO_ROOT,
      detached: true,
      env: {
        ...shell,
        LOCAL_DIR: dir,
        PORT: String(apiPort),
        KAFKA_PORT: String(kafkaPort),
        DYNAMODB_PORT: String(dynamoPort),
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pipeline.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    pipeline.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    await eventually('the pipeline to be ready', () => (output.includes('Pipeline ready') ? true : undefined), 180_000);
    // An order through every consumer first, so each has offsets to commit when it stops.
    const api = `http://127.0.0.1:${apiPort}`;
    const created = await fetch(`${api}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sampleOrderRequest()),
    });
    expect(created.status).toBe(202);
    const { orderId } = (await created.json()) as { orderId: string };
    await eventually(
      'the order to ship',
      async () => {
        const view = await fetch(`${api}/orders/${orderId}`);
        return view.status === 200 && ((await view.json()) as { status: string }).status === 'SHIPPED'
          ? true
          : undefined;
      },
      60_000,
    );

    // Act: Ctrl-C, to the whole group
    process.kill(-(pipeline.pid as number), 'SIGINT');
    await eventually(
      'every process of the pipeline to end',
      () => (leftOver().length === 0 ? true : undefined),
      60_000,
    );

    // Assess: from the Ctrl-C on (a fresh broker may log a retried request while it starts)
    const stopping = output.slice(output.indexOf('SIGINT: stopping the pipeline'));
    expect(stopping).toMatch(/^SIGINT: stopping the pipeline/);
    expect(stopping).toContain('Stopped. Nothing is left running.');
    expect(stopping).not.toContain('Stopping failed');
    expect(stopping.split('\n').filter((line) => /ECONNREFUSED|"level":"ERROR"|crashed/.test(line))).toEqual([]);
  }, 300_000);
});
