/**
 * The event source mappings that read the cluster, through @aws-sdk/client-lambda, matched to the
 * subscriptions the topology declares so a missing one shows up as missing.
 */
import { type LambdaClient, paginateListEventSourceMappings } from '@aws-sdk/client-lambda';
import { CONSUMER_SERVICES, consumerGroupId, domainTopic, SERVICE_SPECS } from '../../lib/topology';

export interface MappingSummary {
  readonly consumerGroup: string;
  readonly topic: string;
  /** Undefined when the topology declares the subscription but no mapping reads the cluster for it. */
  readonly uuid?: string;
  readonly functionName?: string;
  /** Creating, Enabling, Enabled, Disabling, Disabled, Updating, Deleting; `MISSING` when absent. */
  readonly state: string;
  readonly stateReason?: string;
  /** Lambda's last word on polling: `OK`, `No records processed`, or the problem. */
  readonly lastProcessingResult?: string;
  readonly pollers?: { readonly min?: number; readonly max?: number };
}

/** Every mapping of the cluster, and a MISSING line for each topology subscription that has none. */
export async function listMappings(lambda: LambdaClient, clusterArn: string): Promise<MappingSummary[]> {
  const found: MappingSummary[] = [];
  for await (const page of paginateListEventSourceMappings({ client: lambda }, { EventSourceArn: clusterArn })) {
    for (const m of page.EventSourceMappings ?? []) {
      const group = m.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId ?? m.UUID ?? '?';
      const pollers = m.ProvisionedPollerConfig;
      found.push({
        consumerGroup: group,
        topic: m.Topics?.[0] ?? '?',
        ...(m.UUID ? { uuid: m.UUID } : {}),
        ...(m.FunctionArn ? { functionName: m.FunctionArn.split(':').at(-1) as string } : {}),
        state: m.State ?? 'UNKNOWN',
        ...(m.StateTransitionReason ? { stateReason: m.StateTransitionReason } : {}),
        ...(m.LastProcessingResult ? { lastProcessingResult: m.LastProcessingResult } : {}),
        ...(pollers ? { pollers: { min: pollers.MinimumPollers, max: pollers.MaximumPollers } } : {}),
      });
    }
  }
  const expected = CONSUMER_SERVICES.flatMap((service) =>
    SERVICE_SPECS[service].subscriptions.map((sub) => ({
      consumerGroup: consumerGroupId(service, sub.domain),
      topic: domainTopic(sub.domain),
    })),
  );
  const missing = expected
    .filter((e) => !found.some((f) => f.consumerGroup === e.consumerGroup))
    .map((e): MappingSummary => ({ ...e, state: 'MISSING' }));
  return [...found, ...missing].sort((a, b) => a.consumerGroup.localeCompare(b.consumerGroup));
}

/** A mapping that is not consuming as it should: not enabled, or Lambda reports a problem. */
export function mappingNeedsAttention(m: MappingSummary): boolean {
  const result = m.lastProcessingResult ?? '';
  return m.state !== 'Enabled' || /PROBLEM|fail|error|denied|unauthori/i.test(result);
}
