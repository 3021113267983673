/**
 * npm run invoke and npm run produce as a developer runs them, as processes, against a real broker:
 * next to a running pipeline (they find it through its runtime.json and use its broker and tables),
 * and invoke alone, starting the broker and dynalite it needs and stopping them after.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEventExample } from '../../lib/schema-files';
import { freePort } from '../../local/free-port';
import { portOpen } from '../../local/kafka-broker';
import { localDir, REPO_ROOT } from '../../local/paths';
import type { LocalRuntime } from '../../local/runtime';
import { eventually } from '../support/eventually';
import { TEST_BOOTSTRAP } from './broker';
import { startTestRuntime, type TestRuntime } from './test-runtime';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npm run <script> -- args` in the repository as a person would (asynchronously: the pipeline runs in this process). */
function npmRun(script: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    // The runtime in this process set the handlers' log level for itself; a developer's shell has none.
    const { POWERTOOLS_LOG_LEVEL: _level, ...shell } = process.env;
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
      cwd: REPO_ROOT,
      env: { ...shell, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

interface InvokeJson {
  readonly function: string;
  readonly response?: unknown;
  readonly error?: string;
  readonly logs: string[];
  readonly published: { topic: string; key: string | null; value: { type?: string; subject?: string } }[];
}

const uniqueOrderId = () => `ord_TOOLS${Date.now()}${Math.floor(Math.random() * 1e6)}`;

/** The example OrderCreated, about an order of its own (a fresh event id and order id). */
function orderCreated(orderId: string): Record<string, unknown> {
  const example = readEventExample('OrderCreated', 2);
  return {
    ...example,
    id: `00000000-0000-4000-8000-${String(Date.now()).padStart(12, '0').slice(-12)}`,
    subject: orderId,
    data: { ...(example.data as object), orderId },
  };
}

describe('npm run invoke and npm run produce next to a running pipeline', () => {
  let pipeline: TestRuntime | undefined;
  let runtime: LocalRuntime;
  let dir: string;

  beforeAll(async () => {
    pipeline = await startTestRuntime('tools');
    ({ runtime, dir } = pipeline);
  });

  afterAll(() => pipeline?.stop());

  it('invokes payment once with a CloudEvent on stdin, on the pipeline broker and tables, and reports what it published', async () => {
    // Prepare
    const orderId = uniqueOrderId();

    // Act
    const run = await npmRun(
      'invoke',
      ['payment', '-', '--json'],
      { LOCAL_DIR: dir },
      JSON.stringify(orderCreated(orderId)),
    );

    // Assess
    expect(run.stderr).toContain(`Using the pipeline npm start runs (pid ${process.pid}): Kafka ${TEST_BOOTSTRAP}`);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as InvokeJson;
    expect(report.response).toEqual({ batchItemFailures: [] });
    expect(report.published).toEqual([
      expect.objectContaining({
        topic: 'payments.events',
        key: orderId,
        value: expect.objectContaining({ type: 'orderpipeline.PaymentCompleted', subject: orderId }),
      }),
    ]);
    expect(report.logs.some((line) => line.includes('"message":"payment settled"'))).toBe(true);
  });

  it('produces a valid OrderCreated built from a data file, which the running pipeline takes through its saga', async () => {
    // Prepare
    const orderId = uniqueOrderId();
    const dataFile = join(dir, 'order.json');
    writeFileSync(dataFile, JSON.stringify(orderCreated(orderId).data));

    // Act
    const run = await npmRun('produce', ['orders.events', '--event', 'OrderCreated', dataFile], { LOCAL_DIR: dir });

    // Assess
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(
      new RegExp(
        `^Produced to orders\\.events partition \\d+ at offset \\d+ \\(key ${orderId}, \\d+ bytes, OrderCreated\\)`,
      ),
    );
    expect(run.status).toBe(0);
    const status = await eventually(
      `order ${orderId} to ship`,
      async () => {
        const response = await fetch(`${runtime.apiUrl}/orders/${orderId}`);
        const view = response.status === 200 ? ((await response.json()) as { status: string }) : undefined;
        return view?.status === 'SHIPPED' ? view.status : undefined;
      },
      60_000,
    );
    expect(status).toBe('SHIPPED');
  });

  it('refuses an unknown topic with the valid ones, exit code 2, producing nothing', async () => {
    // Act
    const run = await npmRun('produce', ['order.events', '-'], { LOCAL_DIR: dir }, 'x');

    // Assess
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Unknown topic "order.events". Topics: orders.events, payments.events');
  });
});

describe('npm run invoke with no pipeline running', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-invoke-alone-'));

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts the broker and dynalite it needs, invokes order-api with the API Gateway fixture, and stops them', async () => {
    // Prepare: the Kafka jars the test broker already fetched, instead of a second download.
    const jars = join(localDir(), 'kafka-dist');
    if (existsSync(jars)) symlinkSync(jars, join(dir, 'kafka-dist'));
    else mkdirSync(join(dir, 'kafka-dist'));
    const kafkaPort = await freePort();

    // Act
    const run = await npmRun(
      'invoke',
      ['order-api', join(REPO_ROOT, 'test', 'fixtures', 'apigw-proxy-event.json'), '--json'],
      { LOCAL_DIR: dir, KAFKA_PORT: String(kafkaPort), DYNAMODB_PORT: String(await freePort()) },
    );

    // Assess
    expect(run.stderr).toContain(
      'No pipeline running (npm start): starting the local broker and dynalite for this call',
    );
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as InvokeJson & { response: { statusCode: number; body: string } };
    expect(report.response.statusCode).toBe(202);
    const { orderId } = JSON.parse(report.response.body) as { orderId: string };
    expect(report.published).toEqual([
      expect.objectContaining({
        topic: 'orders.events',
        key: orderId,
        value: expect.objectContaining({ type: 'orderpipeline.OrderCreated' }),
      }),
    ]);
    // Everything it started is stopped: the broker's port is free again.
    await expect(portOpen(kafkaPort)).resolves.toBe(false);
  });
});
