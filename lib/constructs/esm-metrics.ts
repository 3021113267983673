import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Metrics of one MSK event source mapping. With `MetricsConfig` enabled, Lambda publishes them in
 * AWS/Lambda under the mapping's UUID: lag (KafkaMetrics), and counts such as the records it
 * delivered to the on-failure (dead-letter) destination (EventCount).
 */
export function metricEsm(
  mapping: lambda.IEventSourceMapping,
  metricName:
    | 'MaxOffsetLag'
    | 'SumOffsetLag'
    | 'OnFailureDestinationDeliveredEventCount'
    | 'FailedInvokeEventCount'
    | 'InvokedEventCount',
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  const lag = metricName.endsWith('OffsetLag');
  return new cloudwatch.Metric({
    namespace: 'AWS/Lambda',
    metricName,
    dimensionsMap: { EventSourceMappingUUID: mapping.eventSourceMappingId },
    statistic: lag ? 'Maximum' : 'Sum',
    period: Duration.minutes(1),
    ...options,
  });
}

/** Broker-level MSK metric (provisioned clusters), one per broker. */
export function metricBroker(
  clusterName: string,
  brokerId: number,
  metricName: string,
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Kafka',
    metricName,
    dimensionsMap: { 'Cluster Name': clusterName, 'Broker ID': String(brokerId) },
    statistic: 'Maximum',
    period: Duration.minutes(5),
    ...options,
  });
}

/** Per-topic MSK metric on one broker (needs PER_TOPIC_PER_BROKER monitoring or finer). */
export function metricTopicOnBroker(
  clusterName: string,
  brokerId: number,
  topic: string,
  metricName: string,
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Kafka',
    metricName,
    dimensionsMap: { 'Cluster Name': clusterName, 'Broker ID': String(brokerId), Topic: topic },
    statistic: 'Average',
    period: Duration.minutes(5),
    ...options,
  });
}
