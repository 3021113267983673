import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { AlarmThresholds, PipelineConfig } from '../config';
import { metricBroker, metricTopicOnBroker } from '../constructs/esm-metrics';
import type { KafkaSubscription } from '../constructs/kafka-subscription';
import type { ServiceFunction } from '../constructs/service-function';
import { pascalCase } from '../naming';
import {
  ALARM_RUNBOOK,
  type AlarmFamily,
  ESM_METRICS,
  METRICS,
  type MetricDefinition,
  metricUnit,
} from '../runtime-contract';
import { STACK_OUTPUTS } from '../stack-outputs';
import { CONSUMER_SERVICES, type ConsumerServiceName, deadLetterTopic, TOPICS } from '../topology';
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
const EVERY_5 = { period: FIVE_MINUTES };

/** How a dashboard axis names a unit of lib/runtime-contract.ts METRIC_DEFINITIONS. */
const AXIS_LABELS: Record<MetricDefinition['unit'], string> = { Count: 'count', Milliseconds: 'ms' };

/** One alarm family on each watched thing (a consumer function, an event source mapping). */
interface AlarmRule<T> {
  readonly family: AlarmFamily;
  readonly metric: (watched: T) => cloudwatch.IMetric;
  readonly threshold: (t: AlarmThresholds) => number;
  readonly description: (watched: T, t: AlarmThresholds) => string;
  readonly shape: (t: AlarmThresholds) => AlarmShape;
}

/** A Kafka-triggered service and its function. */
interface Consumer {
  readonly service: ConsumerServiceName;
  readonly fn: ServiceFunction;
}

/** The alarms on what each consumer's handler reports (EMF). */
const HANDLER_ALARMS: readonly AlarmRule<Consumer>[] = [
  {
    family: 'EventsFailed',
    metric: ({ fn }) => fn.metricEventsFailed(EVERY_5),
    threshold: (t) => t.maxEventsFailed,
    description: ({ service }) =>
      `The ${service} service reports records back for retry: its handler throws on valid events.`,
    shape: () => SUSTAINED,
  },
  {
    family: 'EventsDeadLettered',
    metric: ({ fn }) => fn.metricEventsDeadLettered(EVERY_5),
    threshold: (t) => t.maxDeadLetters,
    description: ({ service }) => `The ${service} service wrote invalid records to ${deadLetterTopic(service)}.`,
    shape: () => ANY,
  },
  {
    family: 'EventAge',
    metric: ({ fn }) => fn.metricEventAge(EVERY_5),
    threshold: (t) => t.maxEventAgeMs,
    description: ({ service }, t) => `Events reach the ${service} service late (p99 age above ${t.maxEventAgeMs} ms).`,
    shape: () => SUSTAINED,
  },
];

/** The alarms on each event source mapping: lag, and every way Lambda documents of losing or stalling records. */
const SUBSCRIPTION_ALARMS: readonly AlarmRule<KafkaSubscription>[] = [
  {
    family: 'Lag',
    metric: (s) => s.metricMaxOffsetLag(EVERY_5),
    threshold: (t) => t.maxOffsetLag,
    description: (s) => `Consumer group ${s.consumerGroupId} falls behind on ${s.topic}.`,
    shape: () => SUSTAINED,
  },
  {
    family: 'LagNotReported',
    metric: (s) => s.metricMaxOffsetLag({ ...EVERY_5, statistic: 'SampleCount' }),
    threshold: () => 1,
    description: (s, t) =>
      `The event source mapping of ${s.consumerGroupId} has reported no lag for ${t.lagNotReportedMinutes} minutes: it is disabled, stuck or deleted.`,
    shape: (t) => ({ kind: 'missing', periods: Math.ceil(t.lagNotReportedMinutes / 5) }),
  },
  {
    family: 'DeadLetters',
    metric: (s) => s.metricOnFailureDelivered(EVERY_5),
    threshold: (t) => t.maxDeadLetters,
    description: (s) => `Records of ${s.topic} were dead-lettered to ${s.deadLetterTopic}.`,
    shape: () => ANY,
  },
  {
    family: 'Dropped',
    metric: (s) => s.metricDropped(EVERY_5),
    threshold: () => 0,
    description: (s) =>
      `Lambda dropped records of ${s.topic} for ${s.consumerGroupId}: they reached neither the function nor ${s.deadLetterTopic}.`,
    shape: () => ANY,
  },
  {
    family: 'DeadLetterDeliveryErrors',
    metric: (s) => s.metricOnFailureDeliveryErrors(EVERY_5),
    threshold: () => 0,
    description: (s) => `Lambda could not write failed records of ${s.consumerGroupId} to ${s.deadLetterTopic}.`,
    shape: () => ANY,
  },
  {
    family: 'PollingErrors',
    metric: (s) => s.metricPollingErrors(EVERY_5),
    threshold: () => 0,
    description: (s) => `The event source mapping of ${s.consumerGroupId} cannot poll ${s.topic}.`,
    shape: () => SUSTAINED,
  },
  {
    family: 'CommitErrors',
    metric: (s) => s.metricCommitErrors(EVERY_5),
    threshold: () => 0,
    description: (s) => `The event source mapping of ${s.consumerGroupId} cannot commit its offsets on ${s.topic}.`,
    shape: () => SUSTAINED,
  },
];

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

    const consumers = CONSUMER_SERVICES.map((service): Consumer => ({ service, fn: services.functions[service] }));
    this.watchApi(api);
    this.watchFunctions([api.function, ...consumers.map((c) => c.fn)]);
    this.watchHandlerEvents(consumers, api.function);
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

  /** Every rule's alarm on every watched thing, in that order; `subject` makes each construct id its own. */
  private alarmEach<T>(watched: readonly T[], rules: readonly AlarmRule<T>[], subject: (w: T) => string): void {
    const t = this.thresholds;
    for (const w of watched) {
      for (const rule of rules) {
        this.alarm(rule.family, subject(w), rule.metric(w), rule.threshold(t), rule.description(w, t), rule.shape(t));
      }
    }
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

  private watchFunctions(functions: readonly ServiceFunction[]): void {
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# Functions', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      ...functions.map(
        (fn) =>
          new cloudwatch.GraphWidget({
            title: fn.serviceName,
            left: [fn.metricInvocations(), fn.metricErrors(), fn.metricThrottles()],
            right: [fn.metricDuration({ statistic: 'p99' })],
            width: 8,
          }),
      ),
    );
    for (const fn of functions) {
      this.alarm(
        'FunctionErrors',
        pascalCase(fn.serviceName),
        fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        this.thresholds.maxFunctionErrors,
        `The ${fn.serviceName} function throws.`,
      );
    }
  }

  /** What each consumer did with its records (EMF from the handlers) and how old events are by then. */
  private watchHandlerEvents(consumers: readonly Consumer[], api: ServiceFunction): void {
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '# Events per service (EMF)', width: 24, height: 1 }),
    );
    this.dashboard.addWidgets(
      ...consumers.map(
        ({ service, fn }) =>
          new cloudwatch.GraphWidget({
            title: `${service}: records and event age`,
            left: [
              fn.metricEventsHandled(),
              fn.metricDuplicatesSkipped(),
              fn.metricEventsDeadLettered(),
              fn.metricEventsFailed(),
              fn.metricEventsDeferred(),
              fn.metricEventsSkipped(),
            ],
            right: [fn.metricEventAge()],
            rightYAxis: { label: AXIS_LABELS[metricUnit(METRICS.eventAgeMs)], showUnits: false },
            width: 8,
          }),
      ),
      new cloudwatch.GraphWidget({
        title: 'order-api: orders accepted, requests rejected by reason',
        left: [api.metricOrdersAccepted(), api.metricRequestsRejectedByReason()],
        width: 8,
      }),
    );
    this.alarmEach(consumers, HANDLER_ALARMS, (c) => pascalCase(c.service));
  }

  /**
   * Per event source mapping: lag, and every way Lambda documents of losing or stalling records:
   * dead-lettered after retries, dropped, not deliverable to the dead-letter topic, polls or
   * commits failing, and lag no longer reported at all.
   */
  private watchConsumers(mappings: readonly KafkaSubscription[]): void {
    const problems = (s: KafkaSubscription) =>
      [
        ESM_METRICS.dropped,
        ESM_METRICS.onFailureDeliveryErrors,
        ESM_METRICS.pollingErrors,
        ESM_METRICS.commitErrors,
      ].map((name) => s.metric(name, { label: `${s.consumerGroupId} ${name}` }));
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# Consumers', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Offset lag per consumer group (max over partitions)',
        left: mappings.map((s) => s.metricMaxOffsetLag({ label: s.consumerGroupId })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Records sent to dead-letter topics',
        left: mappings.map((s) =>
          s.metricOnFailureDelivered({ label: `${s.consumerGroupId} -> ${s.deadLetterTopic}` }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Records dropped or undeliverable; polling and commit errors',
        left: mappings.flatMap(problems),
        width: 8,
      }),
    );
    this.alarmEach(mappings, SUBSCRIPTION_ALARMS, (s) => pascalCase(s.consumerGroupId));
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
