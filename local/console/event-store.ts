/**
 * What the console remembers of the events it tapped, in bounded memory: the latest events of each
 * topic (a ring per topic), and the events of the most recently active orders (least recently
 * active orders are forgotten first). A record seen twice (a refetch) is kept once.
 */
import type { TappedEvent } from './tapped-event';

export interface EventStoreLimits {
  /** Latest events kept per topic. */
  readonly perTopic: number;
  /** Orders whose events are kept. */
  readonly orders: number;
  /** Events kept per order (the latest). */
  readonly perOrder: number;
}

export const DEFAULT_LIMITS: EventStoreLimits = { perTopic: 50, orders: 2_000, perOrder: 50 };

export interface OrderTimeline {
  readonly orderId: string;
  /** Oldest first: by Kafka timestamp, then topic, partition and offset. */
  readonly events: readonly TappedEvent[];
  /** Events of this order that were dropped to stay within the limit. */
  readonly dropped: number;
}

export class EventStore {
  private readonly recent = new Map<string, TappedEvent[]>();
  /** Insertion order is recency: an order is moved to the end whenever one of its events arrives. */
  private readonly orders = new Map<string, { events: TappedEvent[]; dropped: number }>();

  constructor(readonly limits: EventStoreLimits = DEFAULT_LIMITS) {}

  add(event: TappedEvent): void {
    const ring = this.recent.get(event.topic) ?? [];
    if (ring.some((e) => sameRecord(e, event))) return;
    ring.push(event);
    if (ring.length > this.limits.perTopic) ring.shift();
    this.recent.set(event.topic, ring);

    if (!event.orderId) return;
    const order = this.orders.get(event.orderId) ?? { events: [], dropped: 0 };
    this.orders.delete(event.orderId);
    this.orders.set(event.orderId, order);
    if (!order.events.some((e) => sameRecord(e, event))) {
      order.events.push(event);
      order.events.sort(inLogOrder);
      if (order.events.length > this.limits.perOrder) {
        order.events.shift();
        order.dropped += 1;
      }
    }
    if (this.orders.size > this.limits.orders) {
      const oldest = this.orders.keys().next().value as string;
      this.orders.delete(oldest);
    }
  }

  /** The latest events of a topic, newest first. */
  latest(topic: string): TappedEvent[] {
    return [...(this.recent.get(topic) ?? [])].reverse();
  }

  timeline(orderId: string): OrderTimeline | undefined {
    const order = this.orders.get(orderId);
    return order && { orderId, events: [...order.events], dropped: order.dropped };
  }

  get trackedOrders(): number {
    return this.orders.size;
  }
}

function sameRecord(a: TappedEvent, b: TappedEvent): boolean {
  return a.offset === b.offset && a.partition === b.partition && a.topic === b.topic;
}

function inLogOrder(a: TappedEvent, b: TappedEvent): number {
  return (
    a.timestamp - b.timestamp || a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset
  );
}
