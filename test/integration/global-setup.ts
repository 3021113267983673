/**
 * Starts one real Kafka broker (the version the CDK app deploys) for all integration tests, on a
 * fresh log directory, and leaves its handle for the teardown. The jars are cached in .local/.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaBroker } from '../../local/kafka-broker';
import { localDir } from '../../local/paths';
import { TEST_KAFKA_PORT, TEST_OAUTHBEARER_PORT } from './broker';

declare global {
  // eslint-disable-next-line no-var
  var __TEST_BROKER__: KafkaBroker | undefined;
}

export default async function globalSetup(): Promise<void> {
  const dir = join(localDir(), 'test-broker');
  rmSync(join(dir, 'data'), { recursive: true, force: true });
  const broker = new KafkaBroker({
    dir,
    port: TEST_KAFKA_PORT,
    controllerPort: TEST_KAFKA_PORT + 1,
    oauthbearerPort: TEST_OAUTHBEARER_PORT,
    log: (line) => process.stderr.write(`[test broker] ${line}\n`),
  });
  await broker.start();
  globalThis.__TEST_BROKER__ = broker;
}
