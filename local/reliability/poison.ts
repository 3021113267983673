/**
 * Poison: records that can never succeed, of every kind the consumers must dead-letter, and which
 * services must dead-letter each (the ones the trigger filter passes it to).
 */
import { randomUUID } from 'node:crypto';
import { subscriptionFilterPatterns } from '../../lib/subscription-filters';
import {
  CONSUMER_SERVICES,
  type ConsumerServiceName,
  cloudEventType,
  type Domain,
  type EventName,
  MAX_EVENT_BYTES,
  SERVICE_SPECS,
} from '../../lib/topology';
import { compileFilters } from '../esm/filter';
import type { EsmReading } from '../esm/readings';
import { sampleEvent } from '../samples';

export type PoisonKind = 'notJson' | 'wrongSchema' | 'unknownType' | 'noType' | 'oversize';

export interface Poison {
  readonly key: string;
  readonly kind: PoisonKind;
  readonly domain: Domain;
  readonly value: Buffer;
  /** The CloudEvent type it claims, when it claims a known one. */
  readonly claims?: string;
  /** The consumers whose dead-letter topic must hold it, from the topology. */
  readonly expectedIn: readonly ConsumerServiceName[];
  readonly reason: RegExp;
}

/**
 * Which services must dead-letter a poison record on `domain`: those whose trigger filter passes it
 * (evaluated with the emulator's own filter, under the reading), less those that skip it because it
 * claims a known event of the topic that they do not handle. Over the size limit it is poison to
 * every service it reaches: the consumer refuses it before reading its type.
 */
export function poisonReaders(
  domain: Domain,
  value: Buffer,
  kind: PoisonKind,
  claims: string | undefined,
  reading: EsmReading,
): ConsumerServiceName[] {
  return CONSUMER_SERVICES.filter((service) => {
    const subscription = SERVICE_SPECS[service].subscriptions.find((s) => s.domain === domain);
    if (!subscription) return false;
    const filterReading = { objectsAreLeaves: reading.filterValueMatch === 'whole-value' };
    if (!compileFilters(subscriptionFilterPatterns(subscription), filterReading)(value)) return false;
    if (claims === undefined || kind === 'oversize') return true;
    return subscription.events.some((event) => cloudEventType(event) === claims);
  });
}

/** Event types of each consumed topic whose poison copies claim to be them (each has a reader). */
const CLAIMED: Record<Exclude<Domain, 'notifications'>, EventName> = {
  orders: 'OrderCreated',
  payments: 'PaymentCompleted',
  inventory: 'InventoryReserved',
  shipping: 'ShipmentPrepared',
  users: 'UserRegistered',
};

export const POISON_KINDS: readonly PoisonKind[] = ['notJson', 'wrongSchema', 'unknownType', 'noType', 'oversize'];

function example(name: EventName): Record<string, unknown> {
  return { ...sampleEvent(name), id: randomUUID() };
}

/**
 * Poison records of the given kinds (all by default) for every consumed topic. `tag` makes the keys
 * of one batch of poison unique, so several batches can be told apart in the dead-letter topics.
 */
export function poisonRecords(reading: EsmReading, kinds: readonly PoisonKind[] = POISON_KINDS, tag = ''): Poison[] {
  return Object.entries(CLAIMED).flatMap(([domain, name]) => {
    const d = domain as Domain;
    const claims = cloudEventType(name);
    const make = (kind: PoisonKind, text: string, reason: RegExp, claimed?: string): Poison => {
      const value = Buffer.from(text);
      return {
        key: `poison-${kind}-${domain}${tag}`,
        kind,
        domain: d,
        value,
        ...(claimed ? { claims: claimed } : {}),
        expectedIn: poisonReaders(d, value, kind, claimed, reading),
        reason,
      };
    };
    const all: Record<PoisonKind, () => Poison> = {
      notJson: () => make('notJson', `<order id="${randomUUID()}"/>`, /^value is not JSON$/),
      wrongSchema: () =>
        make(
          'wrongSchema',
          JSON.stringify({ ...example(name), data: {} }),
          /data: \/ must have required property/,
          claims,
        ),
      unknownType: () =>
        make(
          'unknownType',
          JSON.stringify({ ...example(name), type: 'orderpipeline.OrderShredded' }),
          /unknown event type/,
        ),
      noType: () => make('noType', JSON.stringify({ specversion: '1.0', id: randomUUID(), data: {} }), /^envelope: /),
      oversize: () =>
        make(
          'oversize',
          `${JSON.stringify(example(name))}${' '.repeat(MAX_EVENT_BYTES)}`,
          /^oversize: the value is \d+ bytes, over the pipeline's maximum event size of \d+$/,
          claims,
        ),
    };
    return kinds.map((kind) => all[kind]());
  });
}
