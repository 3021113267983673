/**
 * CloudFormation custom resource (via the CDK provider framework) that creates the topology's topics
 * on MSK Serverless, which has no AWS::MSK::Topic. Deleting the resource keeps the topics: they hold
 * the pipeline's events, and the cluster's own deletion removes them.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { kafkaSettings } from '../shared/env';
import { createKafka } from '../shared/kafka/client';
import { ensureTopics, type WantedTopic } from './topics';

interface TopicsProperties {
  readonly topics: readonly { name: string; partitions: string | number; configs: Record<string, string> }[];
}

export async function handler(
  event: CloudFormationCustomResourceEvent,
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  const physicalId = 'kafka-topics';
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const props = event.ResourceProperties as unknown as TopicsProperties;
  // CloudFormation passes every property as a string.
  const wanted: WantedTopic[] = props.topics.map((t) => ({
    name: t.name,
    partitions: Number(t.partitions),
    configs: t.configs,
  }));
  const admin = createKafka('topic-admin', kafkaSettings()).admin();
  await admin.connect();
  try {
    const changes = await ensureTopics(admin, wanted);
    return {
      PhysicalResourceId: physicalId,
      Data: { created: changes.created.join(','), grown: changes.grown.join(',') },
    };
  } finally {
    await admin.disconnect();
  }
}
