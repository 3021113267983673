import { Kafka, logLevel } from '../../lambdas/shared/kafka/driver';
import { KAFKA_VERSION } from '../../lib/config';
import { TEST_BOOTSTRAP } from './broker';

describe('the integration tests broker', () => {
  it(`is a Kafka ${KAFKA_VERSION.local} broker that refuses to auto-create topics`, async () => {
    const kafka = new Kafka({ clientId: 'broker-check', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 4, name: '1', configNames: ['auto.create.topics.enable'] }],
      });
      const value = configs.resources[0]?.configEntries.find((e) => e.configName === 'auto.create.topics.enable');
      expect(value?.configValue).toBe('false');
    } finally {
      await admin.disconnect();
    }
  });
});
