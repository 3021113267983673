/**
 * Typed deployment configuration: one profile per environment, chosen with `-c profile=<name>`.
 *
 * Every check runs before a construct is built, so a bad combination fails `cdk synth` with a message
 * that names the setting and the fix rather than failing half-way through a deployment.
 */
import {
  API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS,
  LAMBDA_MEMORY_MB,
  MAX_KAFKA_FUNCTION_TIMEOUT_SECONDS,
} from './function-settings';
import {
  CONSUMER_SERVICES,
  type ConsumerServiceName,
  SERVICE_SPECS,
  type ServiceName,
  type ServiceSpec,
  type SubscriptionSpec,
} from './topology';

/**
 * The Apache Kafka version, once. MSK runs the KRaft line below; the local broker runs the exact
 * release from Maven Central, which must belong to the same line.
 */
export const KAFKA_VERSION = {
  /** MSK `KafkaVersion` string (the newest line MSK offers on Standard brokers). */
  msk: '4.1.x.kraft',
  /** Apache Kafka release the local runtime downloads (`org.apache.kafka:kafka_2.13`). */
  local: '4.1.2',
} as const;

/**
 * MSK Standard broker instance types (Express brokers do not support every broker setting we pin).
 * kafka.t3.small stays allowed for experiments, but it takes new IAM connections at a fifth of the
 * rate of the others: see the dev profile.
 */
export const BROKER_TYPES = [
  'kafka.t3.small',
  'kafka.m5.large',
  'kafka.m5.xlarge',
  'kafka.m5.2xlarge',
  'kafka.m7g.large',
  'kafka.m7g.xlarge',
  'kafka.m7g.2xlarge',
  'kafka.m7g.4xlarge',
] as const;
export type BrokerType = (typeof BROKER_TYPES)[number];

export interface ProvisionedClusterConfig {
  readonly mode: 'provisioned';
  readonly brokerType: BrokerType;
  /** Total brokers; a multiple of the number of availability zones. */
  readonly brokerCount: number;
  readonly volumeSizeGiB: number;
  /** `DEFAULT`, `PER_BROKER`, `PER_TOPIC_PER_BROKER` or `PER_TOPIC_PER_PARTITION`. */
  readonly enhancedMonitoring: 'DEFAULT' | 'PER_BROKER' | 'PER_TOPIC_PER_BROKER' | 'PER_TOPIC_PER_PARTITION';
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
}

export interface ServerlessClusterConfig {
  readonly mode: 'serverless';
}

export interface AlarmThresholds {
  /** ESM OffsetLag (records) above which a consumer is falling behind. */
  readonly maxOffsetLag: number;
  /** Function errors per 5 minutes. */
  readonly maxFunctionErrors: number;
  /** Records written to any dead-letter topic per 5 minutes. */
  readonly maxDeadLetters: number;
  /** Broker CPU (user + system), percent. */
  readonly maxBrokerCpuPercent: number;
  /** Broker data disk used, percent. */
  readonly maxBrokerDiskPercent: number;
  /** API 5xx responses per 5 minutes. */
  readonly maxApi5xx: number;
  /** Records one service reports back for retry (EventsFailed) per 5 minutes. */
  readonly maxEventsFailed: number;
  /** p99 end-to-end age of the events one service handles (EventAgeMs), milliseconds. */
  readonly maxEventAgeMs: number;
  /**
   * Minutes without a single lag data point from an event source mapping before its
   * LagNotReported alarm fires (a multiple of the 5-minute period).
   */
  readonly lagNotReportedMinutes: number;
}

export interface PipelineConfig {
  readonly profile: string;
  /** AWS region; the availability zones below must belong to it. */
  readonly region: string;
  /** Three AZs, named explicitly so an account-agnostic synth still spreads over three. */
  readonly availabilityZones: readonly string[];
  readonly cluster: ProvisionedClusterConfig | ServerlessClusterConfig;
  /** Partitions of every domain topic. Dead-letter topics get `deadLetterPartitions`. */
  readonly partitions: number;
  readonly deadLetterPartitions: number;
  /** Provisioned ESM pollers per subscription: min and max, max <= partitions. */
  readonly pollers: { readonly min: number; readonly max: number };
  /** Per-service poller overrides. */
  readonly pollerOverrides?: Partial<Record<ConsumerServiceName, { readonly min: number; readonly max: number }>>;
  readonly api: { readonly throttleRatePerSecond: number; readonly throttleBurst: number };
  readonly logRetentionDays: 7 | 14 | 30 | 90 | 365;
  /**
   * X-Ray tracing: Lambda's active tracing and Powertools Tracer in every function, and tracing on
   * the API stage. Off, the functions run with POWERTOOLS_TRACE_ENABLED=false, so the tracer and the
   * X-Ray SDK are never loaded (their hooks cost CPU on every record: docs/TUNING.md, "Tracing").
   */
  readonly tracing: boolean;
  /** Keep data stores and keys on stack deletion (prod) or destroy them (dev). */
  readonly retainData: boolean;
  /** Write the sample catalogue (lib/catalogue-seed.ts) into the inventory table on first deploy. */
  readonly seedCatalogue: boolean;
  readonly alarms: AlarmThresholds;
  /** Subscribed to the alarm topic when set (`-c alarmEmail=ops@example.com`); it must confirm. */
  readonly alarmEmail?: string;
}

const DEV_AZS = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];

const DEV: PipelineConfig = {
  profile: 'dev',
  region: 'eu-west-1',
  availabilityZones: DEV_AZS,
  cluster: {
    mode: 'provisioned',
    // Not kafka.t3.small: MSK accepts new IAM connections at 4 per second per t3.small broker
    // (20 or more on the other types, docs.aws.amazon.com/msk/latest/developerguide/limits.html), and
    // the 10 event source mappings and 6 functions open at least 16 per broker whenever the
    // pipeline starts or a broker restarts. README "Broker type" has the arithmetic.
    brokerType: 'kafka.m7g.large',
    brokerCount: 3,
    volumeSizeGiB: 20,
    enhancedMonitoring: 'PER_TOPIC_PER_BROKER',
    replicationFactor: 3,
    minInsyncReplicas: 2,
  },
  // Six, for 200 orders/s (issue 12's goal for dev, docs/TUNING.md "Partitions"): one poller runs
  // five of them at once (five concurrent invocations per poller).
  partitions: 6,
  deadLetterPartitions: 1,
  pollers: { min: 1, max: 1 },
  api: { throttleRatePerSecond: 50, throttleBurst: 100 },
  logRetentionDays: 7,
  tracing: true,
  retainData: false,
  seedCatalogue: true,
  alarms: {
    maxOffsetLag: 1_000,
    maxFunctionErrors: 5,
    maxDeadLetters: 0,
    maxBrokerCpuPercent: 80,
    maxBrokerDiskPercent: 80,
    maxApi5xx: 5,
    maxEventsFailed: 5,
    maxEventAgeMs: 60_000,
    lagNotReportedMinutes: 15,
  },
};

export const PROFILES: Record<string, PipelineConfig> = {
  dev: DEV,
  prod: {
    profile: 'prod',
    region: 'eu-west-1',
    availabilityZones: DEV_AZS,
    cluster: {
      mode: 'provisioned',
      brokerType: 'kafka.m7g.large',
      brokerCount: 3,
      volumeSizeGiB: 500,
      enhancedMonitoring: 'PER_TOPIC_PER_PARTITION',
      replicationFactor: 3,
      minInsyncReplicas: 2,
    },
    // 24, for 1,000 orders/s (issue 12's goal for prod, docs/TUNING.md "Partitions"); 12 pollers run
    // up to 60 invocations, so every partition has its own.
    partitions: 24,
    deadLetterPartitions: 3,
    pollers: { min: 2, max: 12 },
    api: { throttleRatePerSecond: 500, throttleBurst: 1_000 },
    logRetentionDays: 90,
    tracing: true,
    retainData: true,
    seedCatalogue: false,
    alarms: {
      maxOffsetLag: 10_000,
      maxFunctionErrors: 10,
      maxDeadLetters: 0,
      maxBrokerCpuPercent: 60,
      maxBrokerDiskPercent: 75,
      maxApi5xx: 10,
      maxEventsFailed: 10,
      maxEventAgeMs: 30_000,
      lagNotReportedMinutes: 15,
    },
  },
  // The dev profile on MSK Serverless: everything else as dev.
  'dev-serverless': { ...DEV, profile: 'dev-serverless', cluster: { mode: 'serverless' } },
};

export class ConfigError extends Error {
  constructor(setting: string, problem: string, fix: string) {
    super(`Invalid deployment config: ${setting} ${problem}. Fix: ${fix}`);
    this.name = 'ConfigError';
  }
}

/** Overrides a user can pass as CDK context (`-c region=... -c azs=a,b,c`). */
export interface ConfigOverrides {
  readonly region?: string;
  readonly availabilityZones?: readonly string[];
  readonly alarmEmail?: string;
}

/** Resolves a profile by name, applies overrides and validates the result. */
export function loadConfig(profile: string, overrides: ConfigOverrides = {}): PipelineConfig {
  const base = Object.hasOwn(PROFILES, profile) ? PROFILES[profile] : undefined;
  if (!base) {
    throw new ConfigError(
      'profile',
      `"${profile}" is not a known profile`,
      `pass one of ${Object.keys(PROFILES).join(', ')} with -c profile=<name>`,
    );
  }
  const region = overrides.region ?? base.region;
  const availabilityZones =
    overrides.availabilityZones ??
    (region === base.region ? base.availabilityZones : ['a', 'b', 'c'].map((s) => `${region}${s}`));
  const config: PipelineConfig = {
    ...base,
    region,
    availabilityZones,
    ...(overrides.alarmEmail === undefined ? {} : { alarmEmail: overrides.alarmEmail }),
  };
  validateConfig(config);
  return config;
}

/** Throws a ConfigError for the first setting that cannot work. */
export function validateConfig(config: PipelineConfig): void {
  const p = `profile "${config.profile}":`;
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(config.region)) {
    throw new ConfigError(`${p} region`, `"${config.region}" is not an AWS region name`, 'use e.g. eu-west-1');
  }
  if (config.availabilityZones.length !== 3) {
    throw new ConfigError(
      `${p} availabilityZones`,
      `has ${config.availabilityZones.length} zones`,
      'list exactly three zones (MSK spreads brokers over three AZs), e.g. -c azs=eu-west-1a,eu-west-1b,eu-west-1c',
    );
  }
  for (const az of config.availabilityZones) {
    if (!az.startsWith(config.region) || !/^[a-z]$/.test(az.slice(config.region.length))) {
      throw new ConfigError(
        `${p} availabilityZones`,
        `contains "${az}", which is not a zone of ${config.region}`,
        `name zones of the region, e.g. ${config.region}a`,
      );
    }
  }
  if (!Number.isInteger(config.partitions) || config.partitions < 1) {
    throw new ConfigError(`${p} partitions`, `is ${config.partitions}`, 'use a whole number of at least 1');
  }
  if (!Number.isInteger(config.deadLetterPartitions) || config.deadLetterPartitions < 1) {
    throw new ConfigError(
      `${p} deadLetterPartitions`,
      `is ${config.deadLetterPartitions}`,
      'use a whole number of at least 1',
    );
  }
  if (config.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(config.alarmEmail)) {
    throw new ConfigError(
      `${p} alarmEmail`,
      `"${config.alarmEmail}" is not an email address`,
      'pass one address, e.g. -c alarmEmail=ops@example.com, or leave it out',
    );
  }
  const quiet = config.alarms.lagNotReportedMinutes;
  if (!Number.isInteger(quiet) || quiet < 5 || quiet % 5 !== 0) {
    throw new ConfigError(
      `${p} alarms.lagNotReportedMinutes`,
      `is ${quiet}`,
      'use a multiple of 5 minutes (the alarm period), at least 5',
    );
  }
  validatePollers(`${p} pollers`, config.pollers, config.partitions);
  for (const service of CONSUMER_SERVICES) {
    const override = config.pollerOverrides?.[service];
    if (override) validatePollers(`${p} pollerOverrides.${service}`, override, config.partitions);
  }
  if (config.cluster.mode === 'provisioned') validateProvisioned(p, config.cluster, config.availabilityZones.length);
  if (config.api.throttleBurst < config.api.throttleRatePerSecond) {
    throw new ConfigError(
      `${p} api.throttleBurst`,
      `(${config.api.throttleBurst}) is below api.throttleRatePerSecond (${config.api.throttleRatePerSecond})`,
      'set the burst at least as high as the steady rate',
    );
  }
  validateFunctionSettings();
  for (const service of CONSUMER_SERVICES) {
    for (const sub of SERVICE_SPECS[service].subscriptions) validateSubscription(service, sub);
  }
}

/**
 * One subscription's trigger settings. The retry budget must exceed the batch size: a function
 * short of time answers with the records it could not start, which Lambda may count against each
 * of them, and each invocation is only sure to finish one; below that, a record that would succeed
 * could run out of retries and be dead-lettered (docs/RELIABILITY.md).
 */
export function validateSubscription(service: ServiceName, sub: SubscriptionSpec): void {
  const at = (setting: string) => `topology ${service}.${sub.domain} ${setting}`;
  if (!Number.isInteger(sub.batchSize) || sub.batchSize < 1 || sub.batchSize > 10_000) {
    throw new ConfigError(at('batchSize'), `is ${sub.batchSize}`, 'use 1..10000');
  }
  if (sub.batchingWindowSeconds < 0 || sub.batchingWindowSeconds > 300) {
    throw new ConfigError(at('batchingWindowSeconds'), `is ${sub.batchingWindowSeconds}`, 'use 0..300');
  }
  if (!Number.isInteger(sub.retryAttempts) || sub.retryAttempts < 0 || sub.retryAttempts > 10_000) {
    throw new ConfigError(
      at('retryAttempts'),
      `is ${sub.retryAttempts}`,
      'use 0..10000 (Lambda applies at most 10 for -1 with a destination)',
    );
  }
  if (sub.retryAttempts < sub.batchSize) {
    throw new ConfigError(
      at('retryAttempts'),
      `(${sub.retryAttempts}) is below batchSize (${sub.batchSize}), so a record that would succeed could be dead-lettered after being left for the retry in every invocation`,
      `raise retryAttempts to at least ${sub.batchSize} or lower batchSize to ${sub.retryAttempts}`,
    );
  }
  if (!Number.isInteger(sub.concurrency) || sub.concurrency < 1 || sub.concurrency > sub.batchSize) {
    throw new ConfigError(at('concurrency'), `is ${sub.concurrency}`, `use 1..${sub.batchSize} (the batch size)`);
  }
}

/** Each service's memory and timeout against Lambda's limits and its trigger's (the topology's, unless given). */
export function validateFunctionSettings(specs: Readonly<Record<string, ServiceSpec>> = SERVICE_SPECS): void {
  for (const [service, spec] of Object.entries(specs)) {
    const at = `topology ${service}`;
    if (
      !Number.isInteger(spec.memoryMb) ||
      spec.memoryMb < LAMBDA_MEMORY_MB.min ||
      spec.memoryMb > LAMBDA_MEMORY_MB.max
    ) {
      throw new ConfigError(
        `${at} memoryMb`,
        `is ${spec.memoryMb}`,
        `use a whole number of MB from ${LAMBDA_MEMORY_MB.min} to ${LAMBDA_MEMORY_MB.max}`,
      );
    }
    const limit =
      spec.trigger === 'http' ? API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS - 1 : MAX_KAFKA_FUNCTION_TIMEOUT_SECONDS;
    if (!(spec.timeoutSeconds >= 1 && spec.timeoutSeconds <= limit)) {
      const why =
        spec.trigger === 'http'
          ? `API Gateway gives up after ${API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS} s, so the function must stop first`
          : `Kafka event source mappings only take functions with a timeout of ${MAX_KAFKA_FUNCTION_TIMEOUT_SECONDS} s or less`;
      throw new ConfigError(
        `${at} timeoutSeconds`,
        `(${spec.timeoutSeconds}) is out of range: ${why}`,
        `use 1..${limit}`,
      );
    }
  }
}

function validatePollers(setting: string, pollers: { min: number; max: number }, partitions: number): void {
  if (!Number.isInteger(pollers.min) || pollers.min < 1 || pollers.min > 200) {
    throw new ConfigError(`${setting}.min`, `is ${pollers.min}`, 'use a whole number from 1 to 200');
  }
  if (!Number.isInteger(pollers.max)) {
    throw new ConfigError(`${setting}.max`, `is ${pollers.max}`, 'use a whole number');
  }
  if (pollers.max < pollers.min) {
    throw new ConfigError(`${setting}.max`, `(${pollers.max}) is below min (${pollers.min})`, 'raise max or lower min');
  }
  if (pollers.max > partitions) {
    throw new ConfigError(
      `${setting}.max`,
      `(${pollers.max}) is above the partition count (${partitions}); Lambda never runs more pollers than partitions`,
      `lower pollers.max to ${partitions} or raise partitions to ${pollers.max}`,
    );
  }
}

function validateProvisioned(p: string, cluster: ProvisionedClusterConfig, azCount: number): void {
  if (!(BROKER_TYPES as readonly string[]).includes(cluster.brokerType)) {
    throw new ConfigError(
      `${p} cluster.brokerType`,
      `"${cluster.brokerType}" is not a supported MSK Standard broker type`,
      `use one of ${BROKER_TYPES.join(', ')}`,
    );
  }
  if (!Number.isInteger(cluster.brokerCount) || cluster.brokerCount < azCount || cluster.brokerCount % azCount !== 0) {
    throw new ConfigError(
      `${p} cluster.brokerCount`,
      `(${cluster.brokerCount}) is not a multiple of the ${azCount} availability zones`,
      `use ${azCount}, ${azCount * 2}, ...`,
    );
  }
  if (cluster.replicationFactor > cluster.brokerCount) {
    throw new ConfigError(
      `${p} cluster.replicationFactor`,
      `(${cluster.replicationFactor}) is above cluster.brokerCount (${cluster.brokerCount})`,
      `lower replicationFactor to at most ${cluster.brokerCount} or add brokers`,
    );
  }
  if (cluster.replicationFactor < 2) {
    throw new ConfigError(
      `${p} cluster.replicationFactor`,
      `(${cluster.replicationFactor}) leaves no copy to fail over to`,
      'use 3 (at least 2) so a broker can be lost without losing data',
    );
  }
  if (
    !Number.isInteger(cluster.minInsyncReplicas) ||
    cluster.minInsyncReplicas < 1 ||
    cluster.minInsyncReplicas >= cluster.replicationFactor
  ) {
    throw new ConfigError(
      `${p} cluster.minInsyncReplicas`,
      `(${cluster.minInsyncReplicas}) must be at least 1 and below replicationFactor (${cluster.replicationFactor}) so one broker can be down`,
      `use ${cluster.replicationFactor - 1}`,
    );
  }
  if (cluster.volumeSizeGiB < 1 || cluster.volumeSizeGiB > 16_384) {
    throw new ConfigError(`${p} cluster.volumeSizeGiB`, `is ${cluster.volumeSizeGiB}`, 'use 1..16384');
  }
}

/** Pollers of one consumer service, after its override. */
export function pollersFor(config: PipelineConfig, service: ConsumerServiceName): { min: number; max: number } {
  return config.pollerOverrides?.[service] ?? config.pollers;
}
