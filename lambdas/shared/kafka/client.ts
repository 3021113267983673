/**
 * One kafkajs client factory for AWS and for the local broker: IAM (SASL OAUTHBEARER, tokens signed
 * locally by aws-msk-iam-sasl-signer-js) over TLS on AWS, plaintext locally. Which one is chosen by
 * the KAFKA_AUTH setting, never by editing code.
 */
import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import { environmentCredentials } from '../aws-credentials';
import type { KafkaSettings } from '../env';
import { Kafka, type KafkaConfig, logLevel } from './driver';

/**
 * An MSK IAM auth token, signed with the execution role's environment credentials (the signer's
 * generateAuthToken would resolve them through the whole default chain, which the bundles leave out).
 */
export async function mskAuthToken(region: string): Promise<string> {
  const { token } = await generateAuthTokenFromCredentialsProvider({
    region,
    awsCredentialsProvider: environmentCredentials,
  });
  return token;
}

export function createKafka(clientId: string, settings: KafkaSettings): Kafka {
  const base: KafkaConfig = { clientId, brokers: settings.brokers, logLevel: logLevel.WARN };
  if (settings.auth === 'plaintext') return new Kafka(base);
  const region = settings.region as string;
  return new Kafka({
    ...base,
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: await mskAuthToken(region) }),
    },
  });
}
