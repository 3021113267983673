import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { AlarmThresholds, PipelineConfig } from '../config';
import { metricBroker, metricEsm, metricTopicOnBroker } from '../constructs/esm-metrics';
import type { KafkaSubscription } from '../constructs/kafka-subscription';
import type { ServiceFunction } from '../constructs/service-function';
import { pascalCase } from '../naming';
import { ALARM_RUNBOOK, type AlarmFamily, ESM_METRICS, METRICS, type MetricName } from '../runtime-contract';
import { STACK_OUTPUTS } from '../stack-outputs';
import { CONSUMER_SERVICES, deadLetterTopic, type ServiceName, TOPICS } from '../topology';
import type { ApiStack } from './api-stack';
import type { KafkaStack } from './kafka-stack';
import type { ServicesStack } from './services-stack';

export interface ObservabilityStackProps extends StackProps {
  readonly config: PipelineConfig;
  readonly kafka: KafkaStack;
  readonly services: ServicesStack;
  readonly api: ApiStack;
}

/**
 * How an alarm reads its metric:
 * - `sustained`: 2 of 3 five-minute periods above the threshold (a trend, not a blip);
 * - `any`: one period is enough (a record was lost or set aside: someone must look);
 * - `missing`: no data for `periods` periods in a row breaches (a metric that should always be
 *   there stopped arriving).
 */
type AlarmShape =
  | { readonly kind: 'sustained' }
  | { readonly kind: 'any' }
  | { readonly kind: 'missing'; periods: number };

const SUSTAINED: AlarmShape = { kind: 'sustained' };
const ANY: AlarmShape = { kind: 'any' };
const FIVE_MINUTES = Duration.minutes(5);

/**
 * One dashboard for the whole pipeline and the alarms that page: consumer lag and missing lag,
 * event age, function errors, failed, dead-lettered and dropped records, dead-letter delivery,
 * polling and commit errors, broker health and API 5xx, all to one alarm topic that CloudWatch can
 * publish to (and decrypt for). Each alarm's description links its runbook section in
 * docs/OPERATIONS.md.
 */
export class ObservabilityStack extends Stack {
  readonly alarmTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly alarmAction: actions.SnsAction;
  private readonly thresholds: AlarmThresholds;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { config, kafka, services, api } = props;
    this.thresholds = config.alarms;
    this.alarmTopic = this.createAlarmTopic(config);
    this.alarmAction = new actions.SnsAction(this.alarmTopic);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });

    this.watchApi(api);
    this.watchFunctions([
      ['order-api', api.function],
      ...CONSUMER_SERVICES.map((s): [ServiceName, ServiceFunction] => [s, services.functions[s]]),
    ]);
    this.watchHandlerEvents();
    this.watchConsumers(services.subscriptions);
    if (kafka.brokerCount !== undefined) this.watchBrokers(kafka.clusterName, kafka.brokerCount);

    new CfnOutput(this, STACK_OUTPUTS.Observability.dashboardUrl, {
      description: 'The pipeline dashboard in the CloudWatch console',
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.dashboard.dashboardName}`,
    });
    new CfnOutput(this, STACK_OUTPUTS.Observability.alarmTopicArn, {
      description: 'SNS topic every alarm notifies, on ALARM and on OK',
      value: this.alarmTopic.topicArn,
    });
  }

  /**
   * The alarm topic, encrypted with a key of its own. CloudWatch publishes as its service principal,
   * so the topic policy must let it publish and the key policy must let it use the key
   * (`kms:Decrypt`, `kms:GenerateDataKey*`); without both, alarms change state and notify no one
   * (docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
   * Both grants are scoped to alarms of this account and region (aws:SourceAccount, aws:SourceArn),
   * against the confused deputy.
   */
  private createAlarmTopic(config: PipelineConfig): sns.Topic {
    const key = new kms.Key(this, 'AlarmKey', { description: 'Alarm topic', enableKeyRotation: true });
    const topic = new sns.Topic(this, 'Alarms', {
      displayName: `Order pipeline alarms (${config.profile})`,
      masterKey: key,
      enforceSSL: true,
    });
    const cloudwatchPrincipal = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    const fromOurAlarms = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
    };
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsEncryptNotifications',
        principals: [cloudwatchPrincipal],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOurAlarms,
      }),
    );
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudwatchPrincipal],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromOurAlarms,
      }),
    );
    // The address must confirm the subscription from the mail SNS sends.
    if (config.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    return topic;
  }

  /** One alarm of a family, wired to the alarm topic on ALARM and OK, described with its runbook link. */
  private alarm(
    family: AlarmFamily,
    subject: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    description: string,
    shape: AlarmShape = SUSTAINED,
  ): cloudwatch.Alarm {
    const missing = shape.kind === 'missing';
    const [evaluationPeriods, datapointsToAlarm] =
      shape.kind === 'sustained' ? [3, 2] : shape.kind === 'any' ? [1, 1] : [shape.periods, shape.periods];
    const created = new cloudwatch.Alarm(this, `${family}${subject}`, {
      metric,
      threshold,
      evaluationPeriods,
      datapointsToAlarm,
      comparisonOperator: missing
        ? cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
        : cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: missing ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${description} Runbook: docs/OPERATIONS.md#${ALARM_RUNBOOK[family]}`,
    });
    created.addAlarmAction(this.alarmAction);
    created.addOkAction(this.alarmAction);
    this.alarms.push(created);
    return created;
  }

  private watchApi(api: ApiStack): void {
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '# API', width: 24, height: 1 }),
      new cloudwatch.GraphWidget({
        title: 'Requests and errors',
        left: [api.api.metricCount(), api.api.metricClientError(), api.api.metricServerError()],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Latency p50 / p99',
        left: [api.api.metricLatency({ statistic: 'p50' }), api.api.metricLatency({ statistic: 'p99' })],
        width: 12,
      }),
    );
    this.alarm(
      'Api5xx',
      '',
      api.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      this.thresholds.maxApi5xx,
      'The API answers 5xx.',
    );
  }

  private watchFunctions(functions: readonly [ServiceName, ServiceFunction][]): void {
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# Functions', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      ...functions.map(
        ([name, fn]) =>
          new cloudwatch.GraphWidget({
            title: name,
            left: [fn.metricInvocations(), fn.metricErrors(), fn.metricThrottles()],
            right: [fn.metricDuration({ statistic: 'p99' })],
            width: 8,
          }),
      ),
    );
    for (const [name, fn] of functions) {
      this.alarm(
        'FunctionErrors',
        pascalCase(name),
        fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        this.thresholds.maxFunctionErrors,
        `The ${name} function throws.`,
      );
    }
  }

  /** What each consumer did with its records (EMF from the handlers) and how old events are by then. */
  private watchHandlerEvents(): void {
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '# Events per service (EMF)', width: 24, height: 1 }),
    );
    this.dashboard.addWidgets(
      ...CONSUMER_SERVICES.map(
        (s) =>
          new cloudwatch.GraphWidget({
            title: `${s}: records and event age`,
            left: [
              customMetric(METRICS.eventsHandled, s),
              customMetric(METRICS.duplicatesSkipped, s),
              customMetric(METRICS.eventsDeadLettered, s),
              customMetric(METRICS.eventsFailed, s),
              customMetric(METRICS.eventsDeferred, s),
              customMetric(METRICS.eventsSkipped, s),
            ],
            right: [customMetric(METRICS.eventAgeMs, s, { statistic: 'p99' })],
            rightYAxis: { label: 'ms', showUnits: false },
            width: 8,
          }),
      ),
      new cloudwatch.GraphWidget({
        title: 'order-api: orders accepted, requests rejected by reason',
        left: [
          customMetric(METRICS.ordersAccepted, 'order-api'),
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${METRICS.namespace},${METRICS.serviceDimension},${METRICS.reasonDimension}} MetricName="${METRICS.requestsRejected}"', 'Sum', 60)`,
            label: 'rejected',
            period: Duration.minutes(1),
          }),
        ],
        width: 8,
      }),
    );
    const t = this.thresholds;
    for (const s of CONSUMER_SERVICES) {
      const id = pascalCase(s);
      this.alarm(
        'EventsFailed',
        id,
        customMetric(METRICS.eventsFailed, s, { period: FIVE_MINUTES }),
        t.maxEventsFailed,
        `The ${s} service reports records back for retry: its handler throws on valid events.`,
      );
      this.alarm(
        'EventsDeadLettered',
        id,
        customMetric(METRICS.eventsDeadLettered, s, { period: FIVE_MINUTES }),
        t.maxDeadLetters,
        `The ${s} service wrote invalid records to ${deadLetterTopic(s)}.`,
        ANY,
      );
      this.alarm(
        'EventAge',
        id,
        customMetric(METRICS.eventAgeMs, s, { period: FIVE_MINUTES, statistic: 'p99' }),
        t.maxEventAgeMs,
        `Events reach the ${s} service late (p99 age above ${t.maxEventAgeMs} ms).`,
      );
    }
  }

  /**
   * Per event source mapping: lag, and every way Lambda documents of losing or stalling records:
   * dead-lettered after retries, dropped, not deliverable to the dead-letter topic, polls or
   * commits failing, and lag no longer reported at all.
   */
  private watchConsumers(mappings: readonly KafkaSubscription[]): void {
    const lines = (
      metricName: (typeof ESM_METRICS)['maxOffsetLag' | 'onFailureDelivered'],
      label: (s: KafkaSubscription) => string,
    ) => mappings.map((s) => metricEsm(s.mapping, metricName, { label: label(s) }));
    const problems = (s: KafkaSubscription) =>
      [
        ESM_METRICS.dropped,
        ESM_METRICS.onFailureDeliveryErrors,
        ESM_METRICS.pollingErrors,
        ESM_METRICS.commitErrors,
      ].map((name) => metricEsm(s.mapping, name, { label: `${s.consumerGroupId} ${name}` }));
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# Consumers', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Offset lag per consumer group (max over partitions)',
        left: lines(ESM_METRICS.maxOffsetLag, (s) => s.consumerGroupId),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Records sent to dead-letter topics',
        left: lines(ESM_METRICS.onFailureDelivered, (s) => `${s.consumerGroupId} -> ${s.deadLetterTopic}`),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Records dropped or undeliverable; polling and commit errors',
        left: mappings.flatMap(problems),
        width: 8,
      }),
    );
    for (const s of mappings) this.alarmConsumer(s);
  }

  private alarmConsumer(s: KafkaSubscription): void {
    const id = pascalCase(s.consumerGroupId);
    const t = this.thresholds;
    const every5 = { period: FIVE_MINUTES };
    this.alarm(
      'Lag',
      id,
      metricEsm(s.mapping, ESM_METRICS.maxOffsetLag, every5),
      t.maxOffsetLag,
      `Consumer group ${s.consumerGroupId} falls behind on ${s.topic}.`,
    );
    this.alarm(
      'LagNotReported',
      id,
      metricEsm(s.mapping, ESM_METRICS.maxOffsetLag, { ...every5, statistic: 'SampleCount' }),
      1,
      `The event source mapping of ${s.consumerGroupId} has reported no lag for ${t.lagNotReportedMinutes} minutes: it is disabled, stuck or deleted.`,
      { kind: 'missing', periods: Math.ceil(t.lagNotReportedMinutes / 5) },
    );
    this.alarm(
      'DeadLetters',
      id,
      metricEsm(s.mapping, ESM_METRICS.onFailureDelivered, every5),
      t.maxDeadLetters,
      `Records of ${s.topic} were dead-lettered to ${s.deadLetterTopic}.`,
      ANY,
    );
    this.alarm(
      'Dropped',
      id,
      metricEsm(s.mapping, ESM_METRICS.dropped, every5),
      0,
      `Lambda dropped records of ${s.topic} for ${s.consumerGroupId}: they reached neither the function nor ${s.deadLetterTopic}.`,
      ANY,
    );
    this.alarm(
      'DeadLetterDeliveryErrors',
      id,
      metricEsm(s.mapping, ESM_METRICS.onFailureDeliveryErrors, every5),
      0,
      `Lambda could not write failed records of ${s.consumerGroupId} to ${s.deadLetterTopic}.`,
      ANY,
    );
    this.alarm(
      'PollingErrors',
      id,
      metricEsm(s.mapping, ESM_METRICS.pollingErrors, every5),
      0,
      `The event source mapping of ${s.consumerGroupId} cannot poll ${s.topic}.`,
    );
    this.alarm(
      'CommitErrors',
      id,
      metricEsm(s.mapping, ESM_METRICS.commitErrors, every5),
      0,
      `The event source mapping of ${s.consumerGroupId} cannot commit its offsets on ${s.topic}.`,
    );
  }

  /** Provisioned clusters only: MSK Serverless publishes no broker metrics. */
  private watchBrokers(clusterName: string, brokerCount: number): void {
    const brokers = Array.from({ length: brokerCount }, (_, i) => i + 1);
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# Brokers', width: 24, height: 1 }));
    const cpu = brokers.map(
      (b) =>
        new cloudwatch.MathExpression({
          expression: `user${b} + system${b}`,
          usingMetrics: {
            [`user${b}`]: metricBroker(clusterName, b, 'CpuUser'),
            [`system${b}`]: metricBroker(clusterName, b, 'CpuSystem'),
          },
          label: `broker ${b}`,
          period: FIVE_MINUTES,
        }),
    );
    const disk = brokers.map((b) => metricBroker(clusterName, b, 'KafkaDataLogsDiskUsed', { label: `broker ${b}` }));
    const underReplicated = brokers.map((b) =>
      metricBroker(clusterName, b, 'UnderReplicatedPartitions', { label: `broker ${b}` }),
    );
    const dlqTopics = TOPICS.filter((t) => t.deadLetter);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Broker CPU %', left: cpu, width: 6 }),
      new cloudwatch.GraphWidget({ title: 'Data disk used %', left: disk, width: 6 }),
      new cloudwatch.GraphWidget({ title: 'Under-replicated partitions', left: underReplicated, width: 6 }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter topics: messages in/s',
        left: dlqTopics.flatMap((t) =>
          brokers.map((b) =>
            metricTopicOnBroker(clusterName, b, t.name, 'MessagesInPerSec', { label: `${t.name} b${b}` }),
          ),
        ),
        width: 6,
      }),
    );
    const t = this.thresholds;
    brokers.forEach((b, i) => {
      const id = String(b);
      this.alarm(
        'BrokerCpu',
        id,
        cpu[i] as cloudwatch.MathExpression,
        t.maxBrokerCpuPercent,
        `Broker ${b} CPU is high.`,
      );
      this.alarm(
        'BrokerDisk',
        id,
        disk[i] as cloudwatch.Metric,
        t.maxBrokerDiskPercent,
        `Broker ${b} data disk is filling.`,
      );
      this.alarm(
        'UnderReplicated',
        id,
        underReplicated[i] as cloudwatch.Metric,
        0,
        `Broker ${b} has under-replicated partitions: a broker is down or cannot keep up.`,
      );
    });
  }
}

/** The section of docs/OPERATIONS.md for each alarm family (lib/runtime-contract.ts). */
export const RUNBOOK = ALARM_RUNBOOK;

/** A handler-emitted metric of one service, named from the runtime contract. */
function customMetric(
  metricName: MetricName,
  service: ServiceName,
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS.namespace,
    metricName,
    dimensionsMap: { [METRICS.serviceDimension]: service },
    statistic: 'Sum',
    period: Duration.minutes(1),
    label: `${service} ${metricName}`,
    ...options,
  });
}
