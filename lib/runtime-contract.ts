/**
 * Names shared by the CDK app (which sets them) and the Lambda handlers (which read them):
 * environment variables and CloudWatch metric names. One side cannot rename without the other.
 * Plain data, no CDK import: handlers bundle it.
 */
import type { TableName } from './topology';

export const ENV = {
  /** Comma-separated `host:port` list of the brokers. */
  kafkaBootstrapServers: 'KAFKA_BOOTSTRAP_SERVERS',
  /** `iam` (SASL OAUTHBEARER over TLS, on AWS) or `plaintext` (the local broker). */
  kafkaAuth: 'KAFKA_AUTH',
  awsRegion: 'AWS_REGION',
  notificationTopicArn: 'NOTIFICATION_TOPIC_ARN',
  /** Local runtime only: the DynamoDB API endpoint (dynalite). Unset on AWS. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  /** Local runtime only: where notifications are written instead of SNS. Unset on AWS. */
  notificationOutboxDir: 'NOTIFICATION_OUTBOX_DIR',
  /** Powertools reads the rest itself. */
  powertoolsServiceName: 'POWERTOOLS_SERVICE_NAME',
  powertoolsMetricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  powertoolsLogLevel: 'POWERTOOLS_LOG_LEVEL',
  /** `true` stops EMF output (the local runtime: nothing reads it there). */
  powertoolsMetricsDisabled: 'POWERTOOLS_METRICS_DISABLED',
  /** Tracing is on only inside Lambda (AWS_EXECUTION_ENV set); `false` turns it off there too. */
  powertoolsTraceEnabled: 'POWERTOOLS_TRACE_ENABLED',
} as const;

/** The log level every function runs at on AWS. */
export const LOG_LEVEL = 'INFO';

export const KAFKA_AUTH_MODES = ['iam', 'plaintext'] as const;
export type KafkaAuthMode = (typeof KAFKA_AUTH_MODES)[number];

const TABLE_ENV: Record<TableName, string> = {
  orders: 'ORDERS_TABLE_NAME',
  inventory: 'INVENTORY_TABLE_NAME',
  payments: 'PAYMENTS_TABLE_NAME',
  idempotency: 'IDEMPOTENCY_TABLE_NAME',
};

export function tableEnvVar(table: TableName): string {
  return TABLE_ENV[table];
}

/** Custom metrics the handlers emit (EMF) and the dashboard and alarms read. */
export const METRICS = {
  namespace: 'OrderPipeline',
  serviceDimension: 'service',
  /** On RequestsRejected: the error code of the answer (`invalid_request`, `not_found`, ...). */
  reasonDimension: 'reason',
  eventsHandled: 'EventsHandled',
  eventsFailed: 'EventsFailed',
  duplicatesSkipped: 'DuplicatesSkipped',
  eventsDeadLettered: 'EventsDeadLettered',
  eventsSkipped: 'EventsSkipped',
  eventsDeferred: 'EventsDeferred',
  eventAgeMs: 'EventAgeMs',
  ordersAccepted: 'OrdersAccepted',
  requestsRejected: 'RequestsRejected',
} as const;

export type MetricName = Exclude<
  (typeof METRICS)[keyof typeof METRICS],
  typeof METRICS.namespace | typeof METRICS.serviceDimension | typeof METRICS.reasonDimension
>;

export interface MetricDefinition {
  readonly name: MetricName;
  /** A CloudWatch unit, as Powertools' MetricUnit spells it. */
  readonly unit: 'Count' | 'Milliseconds';
  readonly dimensions: readonly string[];
  /** Who emits it: every Kafka consumer, or the order API. */
  readonly emittedBy: 'consumers' | 'order-api';
  readonly meaning: string;
}

/** Every custom metric, its unit and dimensions: what the handlers emit and docs/OPERATIONS.md lists. */
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = [
  {
    name: METRICS.eventsHandled,
    unit: 'Count',
    dimensions: [METRICS.serviceDimension],
    emittedBy: 'consumers',
    meaning: 'Events whose handler ran to completion (effects done once).',
  },
  {
    name: METRICS.duplicatesSkipped,
    unit: 'Count',
    dimensions: [METRICS.serviceDimension],
    emittedBy: 'consumers',
    meaning: 'Events skipped because their CloudEvent id was already handled (redelivery, producer retry).',
  },
  {
    name: METRICS.eventsDeadLettered,
    unit: 'Count',
    dimensions: [METRICS.serviceDimension],
    emittedBy: 'consumers',
    meaning:
      'Records the handler wrote to its dead-letter topic at once: not JSON, not a valid CloudEvent, an unknown type, or data failing its schema.',
  },
  {
    name: METRICS.eventsSkipped,
    unit: 'Count',
    dimensions: [METRICS.serviceDimension],
    emittedBy: 'consumers',
    meaning:
      "Known events of a consumed topic that the service does not handle (another subscriber's), skipped as done. Above zero only if Lambda's filter lets them through.",
  },
  {
    name: METRICS.eventsDeferred,
    unit: 'Count',
    dimensions: [METRICS.serviceDimension],
    emittedBy: 'consumers',
    meaning:
      'Records left for the retry because the function ran short of time (not started, or still running, near its timeout).',
  },
  {
    name: METRICS.eventsFailed,
    unit: 'Count',
    dimensions: [METRICS.serviceDimension],
    emittedBy: 'consumers',
    meaning:
      'Records reported back to Lambda for retry: the one whose handler threw, and the later records of its key (aggregate).',
  },
  {
    name: METRICS.eventAgeMs,
    unit: 'Milliseconds',
    dimensions: [METRICS.serviceDimension],
    emittedBy: 'consumers',
    meaning: 'For each handled event, handling time minus the CloudEvent `time`: end-to-end delay to this service.',
  },
  {
    name: METRICS.ordersAccepted,
    unit: 'Count',
    dimensions: [METRICS.serviceDimension],
    emittedBy: 'order-api',
    meaning:
      'POST /orders answered 202 (OrderCreated published, or the answer replayed for a repeated Idempotency-Key).',
  },
  {
    name: METRICS.requestsRejected,
    unit: 'Count',
    dimensions: [METRICS.serviceDimension, METRICS.reasonDimension],
    emittedBy: 'order-api',
    meaning: 'Requests answered 4xx or 5xx, by the error code of the answer.',
  },
];

/** The unit a metric is emitted in: the handlers emit with it, the dashboard labels its axes by it. */
export function metricUnit(name: MetricName): MetricDefinition['unit'] {
  return (METRIC_DEFINITIONS.find((d) => d.name === name) as MetricDefinition).unit;
}

/** Keys the handlers add to each JSON log line, for CloudWatch Logs Insights queries. */
export const LOG_KEYS = {
  /** Consumers: the CloudEvent correlation id (one per order); the API: the id it starts or was given. */
  correlationId: 'correlationId',
  eventId: 'eventId',
  eventType: 'eventType',
  orderId: 'orderId',
  /** The API Gateway request id. */
  requestId: 'requestId',
} as const;

/** X-Ray annotations (indexed, searchable with filter expressions). */
export const TRACE_ANNOTATIONS = {
  service: 'service',
  eventType: 'eventType',
  orderId: 'orderId',
} as const;

/**
 * Metrics Lambda publishes for each event source mapping, in `AWS/Lambda` with the dimension
 * `EventSourceMappingUUID`, once the mapping's MetricsConfig enables their group (every mapping
 * enables all three: lib/constructs/kafka-subscription.ts). Names and groups as the Lambda developer
 * guide lists them: docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#event-source-mapping-metrics
 */
export const ESM_METRICS = {
  namespace: 'AWS/Lambda',
  dimension: 'EventSourceMappingUUID',
  /** KafkaMetrics: the largest lag (latest minus committed offset) over the topic's partitions. */
  maxOffsetLag: 'MaxOffsetLag',
  /** KafkaMetrics: the lag summed over the topic's partitions. */
  sumOffsetLag: 'SumOffsetLag',
  /** EventCount: records Lambda invoked the function with. */
  invoked: 'InvokedEventCount',
  /** EventCount: records of invocations that failed or reported batch item failures. */
  failedInvoke: 'FailedInvokeEventCount',
  /** EventCount: records Lambda wrote to the on-failure destination (our dead-letter topic). */
  onFailureDelivered: 'OnFailureDestinationDeliveredEventCount',
  /** EventCount: records Lambda dropped: given up on and not delivered anywhere. */
  dropped: 'DroppedEventCount',
  /** ErrorCount: records Lambda failed to write to the on-failure destination. */
  onFailureDeliveryErrors: 'OnFailureDestinationDeliveryErrorCount',
  /** ErrorCount: failed polls of the brokers. */
  pollingErrors: 'PollingErrorCount',
  /** ErrorCount: failed offset commits. */
  commitErrors: 'CommitErrorCount',
} as const;

export type EsmMetricName = Exclude<
  (typeof ESM_METRICS)[keyof typeof ESM_METRICS],
  typeof ESM_METRICS.namespace | typeof ESM_METRICS.dimension
>;

/**
 * Every alarm family (the alarm's construct id starts with it) and the section of
 * docs/OPERATIONS.md that says what it means and what to do; each alarm's description links there,
 * and a test checks that every section exists.
 */
export const ALARM_RUNBOOK = {
  Api5xx: 'api-5xx',
  FunctionErrors: 'function-errors',
  EventsFailed: 'events-failed',
  EventsDeadLettered: 'events-dead-lettered',
  EventAge: 'event-age',
  Lag: 'consumer-lag',
  LagNotReported: 'lag-not-reported',
  DeadLetters: 'records-dead-lettered-by-lambda',
  Dropped: 'records-dropped-by-lambda',
  DeadLetterDeliveryErrors: 'dead-letter-delivery-errors',
  PollingErrors: 'polling-errors',
  CommitErrors: 'commit-errors',
  BrokerCpu: 'broker-cpu',
  BrokerDisk: 'broker-disk',
  UnderReplicated: 'under-replicated-partitions',
} as const;

export type AlarmFamily = keyof typeof ALARM_RUNBOOK;
