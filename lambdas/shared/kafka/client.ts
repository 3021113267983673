/**
 * One kafkajs client factory for AWS and for the local broker: IAM (SASL OAUTHBEARER, tokens signed
 * locally by aws-msk-iam-sasl-signer-js) over TLS on AWS, plaintext locally. Which one is chosen by
 * the KAFKA_AUTH setting, never by editing code.
 */
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import type { KafkaSettings } from '../env';
import { Kafka, type KafkaConfig, logLevel } from './driver';

export function createKafka(clientId: string, settings: KafkaSettings): Kafka {
  const base: KafkaConfig = { clientId, brokers: settings.brokers, logLevel: logLevel.WARN };
  if (settings.auth === 'plaintext') return new Kafka(base);
  const region = settings.region as string;
  return new Kafka({
    ...base,
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }),
    },
  });
}
