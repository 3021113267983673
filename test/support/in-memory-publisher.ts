/** An EventPublisher that keeps what it is given, and can be told to fail, for core tests. */
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import { type EventPublisher, PublishError } from '../../lambdas/shared/kafka/publisher';
import { cloudEventType, type EventName } from '../../lib/topology';

export class InMemoryPublisher implements EventPublisher {
  readonly published: CloudEvent[] = [];
  /** When set, the next publish calls throw a PublishError (Kafka unreachable). */
  failing = false;

  async publish(events: readonly CloudEvent[]): Promise<void> {
    if (this.failing) throw new PublishError('Kafka is unreachable (test)');
    this.published.push(...events);
  }

  ofType(type: EventName): CloudEvent[] {
    return this.published.filter((e) => e.type === cloudEventType(type));
  }
}
