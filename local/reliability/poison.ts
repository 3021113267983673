/**
 * Poison: records that can never succeed, of every kind the consumers must dead-letter, and which
 * services must dead-letter each (the ones the trigger filter passes it to).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONSUMER_SERVICES,
  type ConsumerServiceName,
  cloudEventType,
  type Domain,
  type EventName,
  MAX_EVENT_BYTES,
  SERVICE_SPECS,
} from '../../lib/topology';
import { REPO_ROOT } from '../paths';

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

/** Which services must dead-letter a poison record on `domain` (the filter passes it to them). */
export function poisonReaders(domain: Domain, claims?: string): ConsumerServiceName[] {
  return CONSUMER_SERVICES.filter((service) =>
    SERVICE_SPECS[service].subscriptions.some(
      (s) => s.domain === domain && (claims === undefined || s.events.some((e) => `orderpipeline.${e}` === claims)),
    ),
  );
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
  const path = join(REPO_ROOT, 'lambdas/shared/events/examples', `${name}.v1.example.json`);
  return { ...JSON.parse(readFileSync(path, 'utf8')), id: randomUUID() };
}

/**
 * Poison records of the given kinds (all by default) for every consumed topic. `tag` makes the keys
 * of one batch of poison unique, so several batches can be told apart in the dead-letter topics.
 */
export function poisonRecords(kinds: readonly PoisonKind[] = POISON_KINDS, tag = ''): Poison[] {
  return Object.entries(CLAIMED).flatMap(([domain, name]) => {
    const d = domain as Domain;
    const claims = cloudEventType(name);
    const make = (kind: PoisonKind, value: string, reason: RegExp, claimed?: string): Poison => ({
      key: `poison-${kind}-${domain}${tag}`,
      kind,
      domain: d,
      value: Buffer.from(value),
      ...(claimed ? { claims: claimed } : {}),
      expectedIn: poisonReaders(d, claimed),
      reason,
    });
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
