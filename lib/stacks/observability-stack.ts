import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { PipelineConfig } from '../config';
import { metricBroker, metricEsm, metricTopicOnBroker } from '../constructs/esm-metrics';
import type { ServiceFunction } from '../constructs/service-function';
import { pascalCase } from '../naming';
import { METRICS, type MetricName } from '../runtime-contract';
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
 * One dashboard for the whole pipeline and the alarms that page: consumer lag, event age, function
 * errors, failed and dead-lettered records, broker health and API 5xx, all to one alarm topic. Each
 * alarm's description links its runbook section in docs/OPERATIONS.md.
 */
export class ObservabilityStack extends Stack {
  readonly alarmTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id, props);
    const { config, kafka, services, api } = props;
    const thresholds = config.alarms;

    this.alarmTopic = new sns.Topic(this, 'Alarms', {
      displayName: `Order pipeline alarms (${config.profile})`,
      masterKey: new kms.Key(this, 'AlarmKey', {
        description: 'Alarm topic',
        enableKeyRotation: true,
      }),
      enforceSSL: true,
    });
    const alarmAction = new actions.SnsAction(this.alarmTopic);
    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const family = Object.keys(RUNBOOK).find((prefix) => id.startsWith(prefix)) as keyof typeof RUNBOOK | undefined;
      if (!family) throw new Error(`alarm ${id} has no runbook section: add its prefix to RUNBOOK`);
      const runbook = RUNBOOK[family];
      const created = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${description} Runbook: docs/OPERATIONS.md#${runbook}`,
      });
      created.addAlarmAction(alarmAction);
      created.addOkAction(alarmAction);
      this.alarms.push(created);
      return created;
    };

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });

    // API
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
    alarm(
      'Api5xx',
      api.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      thresholds.maxApi5xx,
      'The API answers 5xx.',
    );

    // Functions
    const functions: [ServiceName, ServiceFunction][] = [
      ['order-api', api.function],
      ...CONSUMER_SERVICES.map((s): [ServiceName, ServiceFunction] => [s, services.functions[s]]),
    ];
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
      alarm(
        `FunctionErrors${pascalCase(name)}`,
        fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        thresholds.maxFunctionErrors,
        `The ${name} function throws.`,
      );
    }
    // What each consumer did with its records (EMF from the handlers) and how old events are by then
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
    for (const s of CONSUMER_SERVICES) {
      const id = pascalCase(s);
      alarm(
        `EventsFailed${id}`,
        customMetric(METRICS.eventsFailed, s, { period: Duration.minutes(5) }),
        thresholds.maxEventsFailed,
        `The ${s} service reports records back for retry: its handler throws on valid events.`,
      );
      alarm(
        `EventsDeadLettered${id}`,
        customMetric(METRICS.eventsDeadLettered, s, { period: Duration.minutes(5) }),
        thresholds.maxDeadLetters,
        `The ${s} service wrote invalid records to ${deadLetterTopic(s)}.`,
      );
      alarm(
        `EventAge${id}`,
        customMetric(METRICS.eventAgeMs, s, { period: Duration.minutes(5), statistic: 'p99' }),
        thresholds.maxEventAgeMs,
        `Events reach the ${s} service late (p99 age above ${thresholds.maxEventAgeMs} ms).`,
      );
    }

    // Consumers: lag and dead letters, per event source mapping
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# Consumers', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Offset lag per consumer group (max over partitions)',
        left: services.subscriptions.map((s) => metricEsm(s.mapping, 'MaxOffsetLag', { label: s.consumerGroupId })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Records sent to dead-letter topics',
        left: services.subscriptions.map((s) =>
          metricEsm(s.mapping, 'OnFailureDestinationDeliveredEventCount', {
            label: `${s.consumerGroupId} -> ${s.deadLetterTopic}`,
          }),
        ),
        width: 12,
      }),
    );
    for (const s of services.subscriptions) {
      const id = pascalCase(s.consumerGroupId);
      alarm(
        `Lag${id}`,
        metricEsm(s.mapping, 'MaxOffsetLag', { period: Duration.minutes(5) }),
        thresholds.maxOffsetLag,
        `Consumer group ${s.consumerGroupId} falls behind on ${s.topic}.`,
      );
      alarm(
        `DeadLetters${id}`,
        metricEsm(s.mapping, 'OnFailureDestinationDeliveredEventCount', { period: Duration.minutes(5) }),
        thresholds.maxDeadLetters,
        `Records of ${s.topic} were dead-lettered to ${s.deadLetterTopic}.`,
      );
    }

    // Brokers (provisioned clusters only: Serverless publishes no broker metrics)
    if (kafka.brokerCount !== undefined) {
      const brokers = Array.from({ length: kafka.brokerCount }, (_, i) => i + 1);
      const name = kafka.clusterName;
      this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '# Brokers', width: 24, height: 1 }));
      const cpu = brokers.map(
        (b) =>
          new cloudwatch.MathExpression({
            expression: `user${b} + system${b}`,
            usingMetrics: {
              [`user${b}`]: metricBroker(name, b, 'CpuUser'),
              [`system${b}`]: metricBroker(name, b, 'CpuSystem'),
            },
            label: `broker ${b}`,
            period: Duration.minutes(5),
          }),
      );
      const disk = brokers.map((b) => metricBroker(name, b, 'KafkaDataLogsDiskUsed', { label: `broker ${b}` }));
      const underReplicated = brokers.map((b) =>
        metricBroker(name, b, 'UnderReplicatedPartitions', { label: `broker ${b}` }),
      );
      const dlqTopics = TOPICS.filter((t) => t.deadLetter);
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({ title: 'Broker CPU %', left: cpu, width: 6 }),
        new cloudwatch.GraphWidget({ title: 'Data disk used %', left: disk, width: 6 }),
        new cloudwatch.GraphWidget({ title: 'Under-replicated partitions', left: underReplicated, width: 6 }),
        new cloudwatch.GraphWidget({
          title: 'Dead-letter topics: messages in/s',
          left: dlqTopics.flatMap((t) =>
            brokers.map((b) => metricTopicOnBroker(name, b, t.name, 'MessagesInPerSec', { label: `${t.name} b${b}` })),
          ),
          width: 6,
        }),
      );
      brokers.forEach((b, i) => {
        alarm(
          `BrokerCpu${b}`,
          cpu[i] as cloudwatch.MathExpression,
          thresholds.maxBrokerCpuPercent,
          `Broker ${b} CPU is high.`,
        );
        alarm(
          `BrokerDisk${b}`,
          disk[i] as cloudwatch.Metric,
          thresholds.maxBrokerDiskPercent,
          `Broker ${b} data disk is filling.`,
        );
        alarm(
          `UnderReplicated${b}`,
          underReplicated[i] as cloudwatch.Metric,
          0,
          `Broker ${b} has under-replicated partitions: a broker is down or cannot keep up.`,
        );
      });
    }
  }
}

/**
 * The section of docs/OPERATIONS.md for each alarm family, by alarm id prefix . A test checks every alarm has one and the document has it.
 */
export const RUNBOOK = {
  Api5xx: 'api-5xx',
  FunctionErrors: 'function-errors',
  EventsFailed: 'events-failed',
  EventsDeadLettered: 'events-dead-lettered',
  EventAge: 'event-age',
  Lag: 'consumer-lag',
  DeadLetters: 'records-dead-lettered-by-lambda',
  BrokerCpu: 'broker-cpu',
  BrokerDisk: 'broker-disk',
  UnderReplicated: 'under-replicated-partitions',
} as const;

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
