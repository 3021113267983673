import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { bundleBanner, bundleExternals, esbuildAliasArgs, FUNCTION_BUNDLE, tracerChunkCommand } from '../bundling';
import type { PipelineConfig } from '../config';
import {
  esbuildTarget,
  type FunctionSettings,
  type LambdaArchitecture,
  type LambdaRuntime,
} from '../function-settings';
import { ENV, LOG_LEVEL, METRICS, type MetricName, tableEnvVar } from '../runtime-contract';
import type { TableName } from '../topology';
import type { KafkaClusterRef } from './kafka-cluster-ref';

const REPO_ROOT = join(__dirname, '..', '..');

/** The export of a handler entry that Lambda calls (NodejsFunction's `handler`). */
export const HANDLER_EXPORT = 'handler';

/** The file NodejsFunction bundles for an entry given relative to the repository root. */
export function entryPath(entry: string): string {
  return join(REPO_ROOT, entry);
}

export interface ServiceFunctionProps {
  /** Service name: the Powertools service name and the metric dimension. */
  readonly serviceName: string;
  readonly description: string;
  /** Handler entry, relative to the repository root. */
  readonly entry: string;
  readonly config: PipelineConfig;
  readonly network: { readonly vpc: ec2.IVpc; readonly functionSecurityGroup: ec2.ISecurityGroup };
  readonly cluster: KafkaClusterRef;
  /** Runtime, architecture, memory and timeout: a service's spec in lib/topology.ts, no defaults here. */
  readonly settings: FunctionSettings;
}

const RUNTIMES: Record<LambdaRuntime, lambda.Runtime> = { 'nodejs24.x': lambda.Runtime.NODEJS_24_X };
const ARCHITECTURES: Record<LambdaArchitecture, lambda.Architecture> = {
  arm64: lambda.Architecture.ARM_64,
  x86_64: lambda.Architecture.X86_64,
};

/**
 * The house Lambda function: runtime, architecture, memory and timeout from the settings it is
 * given (lib/function-settings.ts, through the topology), esbuild-bundled for that runtime (ESM,
 * minified, source maps, the AWS SDK v3 bundled rather than taken from the runtime, only the
 * validators of the events the function reads and writes, environment credentials only), X-Ray
 * tracing, its own log group, attached to the VPC's isolated subnets, and allowed to connect to
 * the cluster with IAM.
 *
 * Grants are methods that also set the environment variable the handler reads, so the IAM policy
 * and the runtime contract cannot drift apart.
 */
export class ServiceFunction extends nodejs.NodejsFunction {
  /** The Powertools service name: the `service` dimension of the metrics its handler emits. */
  readonly serviceName: string;
  private readonly cluster: KafkaClusterRef;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const { config } = props;
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: config.logRetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      description: props.description,
      entry: entryPath(props.entry),
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      handler: HANDLER_EXPORT,
      runtime: RUNTIMES[props.settings.runtime],
      architecture: ARCHITECTURES[props.settings.architecture],
      memorySize: props.settings.memoryMb,
      timeout: Duration.seconds(props.settings.timeoutSeconds),
      // Per profile (lib/config.ts): off, the function does not load the tracer at all.
      tracing: config.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      vpc: props.network.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [props.network.functionSecurityGroup],
      environment: {
        [ENV.powertoolsServiceName]: props.serviceName,
        [ENV.powertoolsMetricsNamespace]: METRICS.namespace,
        [ENV.powertoolsLogLevel]: LOG_LEVEL,
        [ENV.kafkaBootstrapServers]: props.cluster.bootstrapServers,
        [ENV.kafkaAuth]: 'iam',
        ...(config.tracing ? {} : { [ENV.powertoolsTraceEnabled]: 'false' }),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: FUNCTION_BUNDLE.format as nodejs.OutputFormat,
        target: esbuildTarget(props.settings.runtime),
        mainFields: [...FUNCTION_BUNDLE.mainFields],
        minify: FUNCTION_BUNDLE.minify,
        sourceMap: FUNCTION_BUNDLE.sourceMap,
        sourcesContent: FUNCTION_BUNDLE.sourcesContent,
        // The kafkajs requests a producer never sends stay out; its banner's require answers them.
        externalModules: bundleExternals(props.serviceName),
        banner: bundleBanner(props.serviceName),
        // Its own event validators and the bundle stand-ins (lib/bundling.ts).
        esbuildArgs: esbuildAliasArgs(props.serviceName),
        // The tracer in a file of its own, which the bundle loads only with tracing on (lib/bundling.ts TRACER_CHUNK).
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir, outputDir) => [tracerChunkCommand(outputDir)],
        },
      },
    });
    this.serviceName = props.serviceName;
    this.cluster = props.cluster;
    this.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['kafka-cluster:Connect'], resources: [props.cluster.clusterArn] }),
    );
  }

  private pollingAllowed = false;

  /**
   * What an MSK event source mapping needs of the execution role it polls as, beyond the topic and
   * group grants of each subscription. The EC2 Describe actions support no resource-level scoping.
   */
  allowEventSourcePolling(): void {
    if (this.pollingAllowed) return;
    this.pollingAllowed = true;
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'kafka:DescribeClusterV2',
          'kafka:GetBootstrapBrokers',
          'kafka-cluster:DescribeClusterDynamicConfiguration',
        ],
        resources: [this.cluster.clusterArn],
      }),
    );
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ec2:DescribeVpcs', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
        resources: ['*'],
      }),
    );
  }

  /** Lets the function publish to these topics with an idempotent producer. */
  grantPublish(topics: readonly string[]): void {
    if (topics.length === 0) return;
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:WriteDataIdempotently'],
        resources: [this.cluster.clusterArn],
      }),
    );
    this.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        resources: topics.map((t) => this.cluster.topicArn(this, t)),
      }),
    );
  }

  /** Gives the function a table and the environment variable that names it. */
  bindTable(name: TableName, table: dynamodb.ITable, access: 'read' | 'readWrite'): void {
    if (access === 'read') table.grantReadData(this);
    else table.grantReadWriteData(this);
    this.addEnvironment(tableEnvVar(name), table.tableName);
  }

  bindNotificationTopic(topic: sns.ITopic): void {
    topic.grantPublish(this);
    this.addEnvironment(ENV.notificationTopicArn, topic.topicArn);
  }

  /**
   * A metric this function's handler emits (EMF, named in lib/runtime-contract.ts), of its service:
   * the sum per minute unless `options` say otherwise. No unit: CloudWatch then reads the datapoints
   * of every unit, which AWS recommends for alarms (PutMetricAlarm, `Unit`), and the handlers emit
   * each metric in one unit only (its METRIC_DEFINITIONS entry).
   */
  metricHandler(metricName: MetricName, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS.namespace,
      metricName,
      dimensionsMap: { [METRICS.serviceDimension]: this.serviceName },
      statistic: 'Sum',
      period: Duration.minutes(1),
      label: `${this.serviceName} ${metricName}`,
      ...options,
    });
  }

  /** Kafka consumers: events whose handler ran to completion. */
  metricEventsHandled(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricHandler(METRICS.eventsHandled, options);
  }

  /** Kafka consumers: events skipped as already handled (same CloudEvent id). */
  metricDuplicatesSkipped(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricHandler(METRICS.duplicatesSkipped, options);
  }

  /** Kafka consumers: records the handler wrote to its dead-letter topic at once. */
  metricEventsDeadLettered(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricHandler(METRICS.eventsDeadLettered, options);
  }

  /** Kafka consumers: records reported back to Lambda for retry. */
  metricEventsFailed(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricHandler(METRICS.eventsFailed, options);
  }

  /** Kafka consumers: records left for the retry when the function ran short of time. */
  metricEventsDeferred(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricHandler(METRICS.eventsDeferred, options);
  }

  /** Kafka consumers: known events of a consumed topic that the service does not handle. */
  metricEventsSkipped(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricHandler(METRICS.eventsSkipped, options);
  }

  /** Kafka consumers: how old handled events are (handling time minus CloudEvent time), p99 by default. */
  metricEventAge(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricHandler(METRICS.eventAgeMs, { statistic: 'p99', ...options });
  }

  /** The order API: orders answered 202. */
  metricOrdersAccepted(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricHandler(METRICS.ordersAccepted, options);
  }

  /**
   * The order API: rejected requests, one line per reason (the `reason` dimension's values are not
   * known at synth, so a SEARCH finds them).
   */
  metricRequestsRejectedByReason(): cloudwatch.MathExpression {
    const dimensions = [METRICS.namespace, METRICS.serviceDimension, METRICS.reasonDimension].join(',');
    return new cloudwatch.MathExpression({
      expression: `SEARCH('{${dimensions}} MetricName="${METRICS.requestsRejected}"', 'Sum', 60)`,
      label: 'rejected',
      period: Duration.minutes(1),
    });
  }
}
