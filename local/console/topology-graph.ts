/**
 * The topology (lib/topology.ts) as a graph the console draws, read left to right: the services that
 * publish, the domain topics, the services that consume them (one edge per subscription, which is
 * one consumer group), and the dead-letter topic each consumer's trigger writes to. A service that
 * both publishes and consumes appears in both columns. Rows are ordered to keep edges short.
 */
import {
  CONSUMER_SERVICES,
  type ConsumerServiceName,
  consumerGroupId,
  DOMAINS,
  deadLetterTopic,
  domainTopic,
  EVENTS,
  publishedEvents,
  publishedTopics,
  SERVICE_SPECS,
  SERVICES,
  type ServiceName,
} from '../../lib/topology';

export type NodeKind = 'service' | 'topic' | 'dead-letter-topic';
export type EdgeKind = 'publishes' | 'consumes' | 'dead-letters';

export interface GraphNode {
  readonly id: string;
  readonly kind: NodeKind;
  /** The service or topic name. */
  readonly name: string;
  readonly column: number;
  readonly row: number;
  readonly description?: string;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** Event types on this edge (a consumer's filter; a publisher's events on that topic). */
  readonly events: readonly string[];
  /** For `consumes`: the consumer group of the subscription. */
  readonly group?: string;
}

export interface TopologyGraph {
  readonly columns: readonly string[];
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

export const publisherId = (service: ServiceName) => `publisher:${service}`;
export const consumerId = (service: ConsumerServiceName) => `consumer:${service}`;
export const topicId = (topic: string) => `topic:${topic}`;

export function topologyGraph(): TopologyGraph {
  const topics = DOMAINS.map(domainTopic);
  const topicRow = new Map(topics.map((t, i) => [t, i]));
  const meanRow = (names: readonly string[]) =>
    names.length === 0
      ? Number.POSITIVE_INFINITY
      : names.reduce((sum, t) => sum + (topicRow.get(t) ?? 0), 0) / names.length;
  const byMean = <S extends string>(services: readonly S[], topicsOf: (s: S) => readonly string[]) =>
    [...services].sort((a, b) => meanRow(topicsOf(a)) - meanRow(topicsOf(b)));

  const publishers = byMean(
    SERVICES.filter((s) => publishedTopics(s).length > 0),
    publishedTopics,
  );
  const consumers = byMean(CONSUMER_SERVICES, (s) =>
    SERVICE_SPECS[s].subscriptions.map((sub) => domainTopic(sub.domain)),
  );

  const nodes: GraphNode[] = [
    ...publishers.map((service, row) => serviceNode(publisherId(service), service, 0, row)),
    ...topics.map((topic, row): GraphNode => ({ id: topicId(topic), kind: 'topic', name: topic, column: 1, row })),
    ...consumers.map((service, row) => serviceNode(consumerId(service), service, 2, row)),
    ...consumers.map(
      (service, row): GraphNode => ({
        id: topicId(deadLetterTopic(service)),
        kind: 'dead-letter-topic',
        name: deadLetterTopic(service),
        column: 3,
        row,
        description: `Records ${service} gave up on, in Lambda's on-failure format.`,
      }),
    ),
  ];

  const edges: GraphEdge[] = [
    ...publishers.flatMap((service) =>
      publishedTopics(service).map(
        (topic): GraphEdge => ({
          from: publisherId(service),
          to: topicId(topic),
          kind: 'publishes',
          events: publishedEvents(service).filter((e) => domainTopic(EVENTS[e].domain) === topic),
        }),
      ),
    ),
    ...consumers.flatMap((service) =>
      SERVICE_SPECS[service].subscriptions.map(
        (sub): GraphEdge => ({
          from: topicId(domainTopic(sub.domain)),
          to: consumerId(service),
          kind: 'consumes',
          events: [...sub.events],
          group: consumerGroupId(service, sub.domain),
        }),
      ),
    ),
    ...consumers.map(
      (service): GraphEdge => ({
        from: consumerId(service),
        to: topicId(deadLetterTopic(service)),
        kind: 'dead-letters',
        events: [],
      }),
    ),
  ];
  return { columns: ['publish', 'topics', 'consume', 'dead letters'], nodes, edges };
}

function serviceNode(id: string, service: ServiceName, column: number, row: number): GraphNode {
  return { id, kind: 'service', name: service, column, row, description: SERVICE_SPECS[service].description };
}
