/**
 * CloudFormation custom resource (via the CDK provider framework) that creates the topology's topics
 * on MSK Serverless, which has no AWS::MSK::Topic. Deleting the resource keeps the topics: they hold
 * the pipeline's events, and the cluster's own deletion removes them.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { kafkaSettings } from '../shared/env';
import { createKafka } from '../shared/kafka/client';
import { inSubsegment, tracer } from '../shared/observability';
import { ensureTopics, type WantedTopic } from './topics';

const SERVICE = 'topic-admin';
// No metrics: it runs once per deployment, and CloudFormation reports its outcome.
const logger = new Logger({ serviceName: SERVICE });

interface TopicsProperties {
  readonly topics: readonly { name: string; partitions: string | number; configs: Record<string, string> }[];
}

type TopicsResult = { PhysicalResourceId: string; Data?: Record<string, string> };

export async function handler(event: CloudFormationCustomResourceEvent, context: Context): Promise<TopicsResult> {
  logger.addContext(context);
  logger.appendKeys({ requestType: event.RequestType, requestId: event.RequestId });
  try {
    return await inSubsegment(SERVICE, `## ${SERVICE}.handler`, {}, async () => {
      tracer.annotateColdStart();
      const result = await applyTopics(event);
      logger.info('topics applied', { ...result.Data });
      return result;
    });
  } catch (error) {
    logger.error('topics not applied', { error });
    throw error;
  } finally {
    logger.removeKeys(['requestType', 'requestId']);
  }
}

async function applyTopics(event: CloudFormationCustomResourceEvent): Promise<TopicsResult> {
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
