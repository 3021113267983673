import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KafkaDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { ESM_METRICS, type EsmMetricName } from '../runtime-contract';
import { subscriptionFilterPatterns } from '../subscription-filters';
import {
  type ConsumerServiceName,
  consumerGroupId,
  deadLetterTopic,
  domainTopic,
  type SubscriptionSpec,
} from '../topology';
import { metricEsm } from './esm-metrics';
import type { KafkaClusterRef } from './kafka-cluster-ref';
import type { ServiceFunction } from './service-function';

export interface KafkaSubscriptionProps {
  readonly service: ConsumerServiceName;
  readonly subscription: SubscriptionSpec;
  readonly fn: ServiceFunction;
  readonly cluster: KafkaClusterRef;
  readonly pollers: { readonly min: number; readonly max: number };
  /** ESMs of one poller group share Event Poller Units instead of paying for one EPU each. */
  readonly pollerGroupName: string;
}

/**
 * One MSK event source mapping, configured from the topology, with exactly the IAM it needs.
 *
 * Provisioned pollers (required for retries, bisect and a Kafka DLQ), a custom consumer group (so
 * the group ARN is exact), TRIM_HORIZON, filters on the CloudEvent `type` that still let poison
 * through to be dead-lettered (lib/subscription-filters.ts), partial batch responses, and the
 * service's dead-letter topic as the on-failure destination.
 *
 * The ESM polls as the function's execution role, so the consumer permissions go there.
 */
export class KafkaSubscription extends Construct {
  readonly service: ConsumerServiceName;
  readonly mapping: lambda.EventSourceMapping;
  readonly topic: string;
  readonly consumerGroupId: string;
  readonly deadLetterTopic: string;

  constructor(scope: Construct, id: string, props: KafkaSubscriptionProps) {
    super(scope, id);
    const { service, subscription, fn, cluster } = props;
    this.service = service;
    this.topic = domainTopic(subscription.domain);
    this.consumerGroupId = consumerGroupId(service, subscription.domain);
    this.deadLetterTopic = deadLetterTopic(service);

    this.mapping = new lambda.EventSourceMapping(this, 'Mapping', {
      target: fn,
      eventSourceArn: cluster.clusterArn,
      kafkaTopic: this.topic,
      kafkaConsumerGroupId: this.consumerGroupId,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: subscription.batchSize,
      maxBatchingWindow: Duration.seconds(subscription.batchingWindowSeconds),
      provisionedPollerConfig: {
        minimumPollers: props.pollers.min,
        maximumPollers: props.pollers.max,
        pollerGroupName: props.pollerGroupName,
      },
      filters: subscriptionFilterPatterns(subscription).map((pattern) => lambda.FilterCriteria.filter(pattern)),
      retryAttempts: subscription.retryAttempts,
      bisectBatchOnError: subscription.bisectOnError,
      maxRecordAge: Duration.seconds(subscription.maxRecordAgeSeconds),
      reportBatchItemFailures: true,
      onFailure: new KafkaDlq(this.deadLetterTopic),
      logLevel: lambda.EventSourceMappingLogLevel.WARN,
      metricsConfig: {
        metrics: [lambda.MetricType.EVENT_COUNT, lambda.MetricType.ERROR_COUNT, lambda.MetricType.KAFKA_METRICS],
      },
    });

    fn.allowEventSourcePolling();
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        resources: [cluster.topicArn(this, this.topic)],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        resources: [cluster.groupArn(this, this.consumerGroupId)],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        resources: [cluster.topicArn(this, this.deadLetterTopic)],
      }),
    );
  }

  /**
   * A metric Lambda publishes for this event source mapping (lib/runtime-contract.ts, ESM_METRICS),
   * once its MetricsConfig enables the metric's group: lag as the maximum of the minute, counts as sums.
   */
  metric(metricName: EsmMetricName, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metricEsm(this.mapping, metricName, options);
  }

  /** The largest lag over the topic's partitions: records the group has still to read. */
  metricMaxOffsetLag(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(ESM_METRICS.maxOffsetLag, options);
  }

  /** Records Lambda wrote to the dead-letter topic after their retries. */
  metricOnFailureDelivered(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(ESM_METRICS.onFailureDelivered, options);
  }

  /** Records Lambda gave up on and delivered nowhere. */
  metricDropped(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(ESM_METRICS.dropped, options);
  }

  /** Records Lambda could not write to the dead-letter topic. */
  metricOnFailureDeliveryErrors(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(ESM_METRICS.onFailureDeliveryErrors, options);
  }

  /** Failed polls of the brokers. */
  metricPollingErrors(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(ESM_METRICS.pollingErrors, options);
  }

  /** Failed offset commits. */
  metricCommitErrors(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(ESM_METRICS.commitErrors, options);
  }
}
