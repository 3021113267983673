/**
 * How every Kafka client of the pipeline connects, on AWS and to the local broker: IAM (SASL
 * OAUTHBEARER, tokens signed locally by aws-msk-iam-sasl-signer-js) over TLS on AWS, plaintext
 * locally. Which one is chosen by the KAFKA_AUTH setting, never by editing code. Types only from
 * the client library, so the functions' producer-only client (./producer-driver.ts) and the full
 * client of the tools (./client.ts) share it without one dragging in the other.
 */
import { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import { environmentCredentials } from '../aws-credentials';
import type { KafkaSettings } from '../env';
import { pipelineKafkaLog } from './log';
import { type KafkaConfig, logLevel } from './producer-driver';

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

/** The client configuration for `settings`: brokers, and TLS with SASL OAUTHBEARER for IAM. */
export function kafkaConfig(clientId: string, settings: KafkaSettings): KafkaConfig {
  const base: KafkaConfig = {
    clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: pipelineKafkaLog,
  };
  if (settings.auth === 'plaintext') return base;
  const region = settings.region as string;
  return {
    ...base,
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: await mskAuthToken(region) }),
    },
  };
}
