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
  /** Powertools reads these two itself. */
  powertoolsServiceName: 'POWERTOOLS_SERVICE_NAME',
  powertoolsMetricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

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
  eventsHandled: 'EventsHandled',
  eventsFailed: 'EventsFailed',
  duplicatesSkipped: 'DuplicatesSkipped',
  eventAgeMs: 'EventAgeMs',
  ordersAccepted: 'OrdersAccepted',
  requestsRejected: 'RequestsRejected',
} as const;
