/**
 * A local runtime on the shared test broker, for the integration tests that run the whole pipeline:
 * its own folder, free API and DynamoDB ports, and the runtime lock held while it runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../local/free-port';
import { LocalRuntime, type LocalRuntimeOptions } from '../../local/runtime';
import { TEST_BOOTSTRAP } from './broker';
import { acquireRuntimeLock } from './runtime-lock';

export interface TestRuntime {
  readonly runtime: LocalRuntime;
  readonly dir: string;
  /** Stops the runtime, releases the lock and deletes its folder. */
  stop(): Promise<void>;
}

export async function startTestRuntime(
  name: string,
  options: Partial<Pick<LocalRuntimeOptions, 'watch' | 'log' | 'faults'>> = {},
): Promise<TestRuntime> {
  const dir = mkdtempSync(join(tmpdir(), `pipeline-${name}-`));
  const release = await acquireRuntimeLock();
  const runtime = new LocalRuntime({
    dir,
    kafkaPort: 0,
    externalKafka: TEST_BOOTSTRAP,
    apiPort: await freePort(),
    dynamoPort: await freePort(),
    log: options.log ?? (() => undefined),
    ...(options.watch ? { watch: options.watch } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const stop = async () => {
    await runtime.stop();
    release();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await runtime.start();
  } catch (error) {
    await stop();
    throw error;
  }
  return { runtime, dir, stop };
}
