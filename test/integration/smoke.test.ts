/**
 * `npm run smoke -- --local` against the local runtime (started here on free ports, over the real
 * test broker, as `npm start` would run it): the CLI itself passes on a healthy pipeline, and the
 * smoke run fails, naming the topics, when a record is dead-lettered while it runs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from '../../lambdas/shared/kafka/driver';
import { domainTopic } from '../../lib/topology';
import { freePort } from '../../local/free-port';
import { LocalRuntime } from '../../local/runtime';
import { type ApiClient, plainApiClient } from '../../scripts/smoke/api-client';
import { kafkaWatch } from '../../scripts/smoke/kafka-watch';
import { formatSmoke, runSmoke } from '../../scripts/smoke/run';
import { TEST_BOOTSTRAP } from './broker';
import { acquireRuntimeLock } from './runtime-lock';

const REPO_ROOT = join(__dirname, '..', '..');

describe('npm run smoke -- --local', () => {
  let runtime: LocalRuntime;
  let releaseLock: () => void = () => undefined;
  const kafka = new Kafka({ clientId: 'smoke-test', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING });

  beforeAll(async () => {
    releaseLock = await acquireRuntimeLock();
    runtime = new LocalRuntime({
      dir: mkdtempSync(join(tmpdir(), 'smoke-')),
      kafkaPort: 0,
      externalKafka: TEST_BOOTSTRAP,
      apiPort: await freePort(),
      dynamoPort: await freePort(),
      log: () => undefined,
    });
    await runtime.start();
  });
  afterAll(async () => {
    await runtime?.stop();
    releaseLock();
  });

  it('passes on a healthy pipeline: three orders end right and no dead-letter topic grows', async () => {
    // Act: the CLI, as a user runs it.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/smoke.ts', '--local', '--url', runtime.apiUrl, '--kafka', TEST_BOOTSTRAP],
      { cwd: REPO_ROOT, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
    );

    // Assess: a non-zero exit would have rejected.
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe(`Smoke test against ${runtime.apiUrl}/`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ok {3}shipped {3}ord_\w+ {2}\d+ ms$/),
        expect.stringMatching(/^ok {3}declined {2}ord_\w+ {2}\d+ ms$/),
        expect.stringMatching(/^ok {3}sold out {2}ord_\w+ {2}\d+ ms$/),
        'ok   no dead-letter topic grew',
      ]),
    );
    expect(lines.at(-1)).toBe('PASS');
  });

  it('fails, naming the topics, when a record is dead-lettered while it runs', async () => {
    // Prepare: with the first order, a record that is not JSON reaches orders.events.
    const producer = kafka.producer();
    await producer.connect();
    const api = plainApiClient(runtime.apiUrl);
    let poisoned = false;
    const poisoning: ApiClient = {
      base: api.base,
      request: async (method, path, body, headers) => {
        if (!poisoned) {
          poisoned = true;
          await producer.send({ topic: domainTopic('orders'), messages: [{ key: 'smoke-poison', value: 'not json' }] });
        }
        return api.request(method, path, body, headers);
      },
    };
    const watch = await kafkaWatch(kafka);

    // Act
    const result = await runSmoke(poisoning, watch, {
      runId: 'poison',
      timeoutMs: 45_000,
      log: () => undefined,
    }).finally(async () => {
      await watch.close();
      await producer.disconnect();
    });

    // Assess: the orders still end right; every consumer of orders.events dead-letters the poison once.
    expect(result.orders.map((o) => o.ok)).toEqual([true, true, true]);
    expect(result.ok).toBe(false);
    expect(result.deadLetters?.lagging).toEqual([]);
    expect(result.deadLetters?.grown).toEqual(
      expect.arrayContaining([
        { topic: 'payment.dlq', records: 1 },
        { topic: 'inventory.dlq', records: 1 },
        { topic: 'order.dlq', records: 1 },
      ]),
    );
    const lines = formatSmoke(result, (topic) => `read ${topic}`);
    expect(lines).toContain('FAIL dead letters: payment.dlq grew by 1; read them: read payment.dlq');
    expect(lines.at(-1)).toBe('FAIL');
  });
});
