import type { ServiceName } from '../../lib/topology';
import type { Product } from '../shared/catalogue';
import type { PublisherOf } from '../shared/kafka/publisher';
import type { RequestIdempotency } from './request-idempotency';

/** This service in the topology: its publisher and tables follow from it; its ids start with it. */
export const SERVICE = 'order-api' satisfies ServiceName;

/** What the order API needs from the world; the handler wires the real ones, tests real-but-local ones. */
export interface OrderApiDeps {
  /** Takes only the events the order API produces (lib/topology.ts). */
  readonly publisher: PublisherOf<typeof SERVICE>;
  readonly products: (skus: readonly string[]) => Promise<Map<string, Product>>;
  /** The order view item as the order service stored it, or undefined. */
  readonly orderView: (orderId: string) => Promise<Record<string, unknown> | undefined>;
  readonly requestIdempotency: RequestIdempotency;
  readonly newOrderId: () => string;
  readonly newUserId: () => string;
  readonly newCorrelationId: () => string;
  readonly logger: {
    info(message: string, fields?: Record<string, unknown>): void;
    error(message: string, fields?: Record<string, unknown>): void;
  };
}
