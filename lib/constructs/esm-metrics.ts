import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { ESM_METRICS, type EsmMetricName } from '../runtime-contract';

/**
 * A metric of one MSK event source mapping (lib/runtime-contract.ts, ESM_METRICS): lag as the
 * maximum of the period, counts as sums. KafkaSubscription's metric methods are built on it.
 */
export function metricEsm(
  mapping: lambda.IEventSourceMapping,
  metricName: EsmMetricName,
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  const lag = metricName === ESM_METRICS.maxOffsetLag || metricName === ESM_METRICS.sumOffsetLag;
  return new cloudwatch.Metric({
    namespace: ESM_METRICS.namespace,
    metricName,
    dimensionsMap: { [ESM_METRICS.dimension]: mapping.eventSourceMappingId },
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
  return mskMetric(metricName, { 'Cluster Name': clusterName, 'Broker ID': String(brokerId) }, 'Maximum', options);
}

/** Per-topic MSK metric on one broker (needs PER_TOPIC_PER_BROKER monitoring or finer). */
export function metricTopicOnBroker(
  clusterName: string,
  brokerId: number,
  topic: string,
  metricName: string,
  options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  const dimensions = { 'Cluster Name': clusterName, 'Broker ID': String(brokerId), Topic: topic };
  return mskMetric(metricName, dimensions, 'Average', options);
}

/** An `AWS/Kafka` metric, per five minutes: the period the broker widgets and alarms read. */
function mskMetric(
  metricName: string,
  dimensionsMap: Record<string, string>,
  statistic: string,
  options: cloudwatch.MetricOptions,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Kafka',
    metricName,
    dimensionsMap,
    statistic,
    period: Duration.minutes(5),
    ...options,
  });
}
