/** Fail-fast reads of the environment variables named in lib/runtime-contract.ts. */
import { ENV, KAFKA_AUTH_MODES, type KafkaAuthMode } from '../../lib/runtime-contract';

export class MissingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingConfigError';
  }
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new MissingConfigError(`environment variable ${name} is not set`);
  }
  return value;
}

export interface KafkaSettings {
  readonly brokers: string[];
  readonly auth: KafkaAuthMode;
  readonly region?: string;
}

export function kafkaSettings(env: NodeJS.ProcessEnv = process.env): KafkaSettings {
  const brokers = requireEnv(ENV.kafkaBootstrapServers, env)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const auth = requireEnv(ENV.kafkaAuth, env);
  if (!(KAFKA_AUTH_MODES as readonly string[]).includes(auth)) {
    throw new MissingConfigError(`${ENV.kafkaAuth} is "${auth}"; expected one of ${KAFKA_AUTH_MODES.join(', ')}`);
  }
  const region = env[ENV.awsRegion];
  if (auth === 'iam' && !region) throw new MissingConfigError(`${ENV.awsRegion} is required for IAM auth`);
  return { brokers, auth: auth as KafkaAuthMode, ...(region ? { region } : {}) };
}
