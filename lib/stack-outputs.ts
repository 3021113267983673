/**
 * The stacks of a deployed profile and the outputs they publish, named once: the CDK stacks write
 * these outputs and the operator tools (scripts/ops.ts, scripts/smoke.ts) read them back with
 * CloudFormation DescribeStacks. Plain data, no CDK import.
 */
import { stackPrefix } from './naming';

export const PIPELINE_STACKS = ['Network', 'Kafka', 'Services', 'Api', 'Observability'] as const;
export type PipelineStackPart = (typeof PIPELINE_STACKS)[number];

/** `OrderPipeline-<profile>-<part>`: profiles coexist in one account and region. */
export function pipelineStackName(profile: string, part: PipelineStackPart): string {
  return `${stackPrefix(profile)}-${part}`;
}

/** Output keys, by the stack that publishes them. */
export const STACK_OUTPUTS = {
  Kafka: {
    /** The MSK cluster's ARN (provisioned or Serverless). */
    clusterArn: 'ClusterArn',
    /** Comma-separated `host:9098` list: the brokers' IAM (SASL/OAUTHBEARER over TLS) listener. */
    bootstrapBrokers: 'BootstrapBrokersSaslIam',
  },
  Api: {
    /** The stage's invoke URL, ending in `/`. */
    endpoint: 'ApiEndpoint',
  },
  Observability: {
    /** A link to the dashboard in the CloudWatch console. */
    dashboardUrl: 'DashboardUrl',
    /** The SNS topic every alarm notifies (subscribe to it, or pass -c alarmEmail=...). */
    alarmTopicArn: 'AlarmTopicArn',
  },
} as const satisfies Partial<Record<PipelineStackPart, Record<string, string>>>;
