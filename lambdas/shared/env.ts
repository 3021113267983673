/** Fail-fast reads of the environment variables named in lib/runtime-contract.ts. */
import { ENV, KAFKA_AUTH_MODES, type KafkaAuthMode, tableEnvVar } from '../../lib/runtime-contract';
import { type ServiceName, type ServiceTable, type TableName, tablesOf } from '../../lib/topology';

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

/**
 * The name of every table the topology gives `service` (lib/topology.ts tablesOf), from the
 * environment variable the stack sets for each: a table the service does not use is not there.
 */
export function tableNamesOf<S extends ServiceName>(
  service: S,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<Record<ServiceTable<S>, string>> {
  const tables = Object.keys(tablesOf(service)) as TableName[];
  return Object.fromEntries(tables.map((table) => [table, requireEnv(tableEnvVar(table), env)])) as Record<
    ServiceTable<S>,
    string
  >;
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
