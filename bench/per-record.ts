/**
 * Per-record cost inside a function: consumeBatch (decode, validate, deduplicate, dispatch) over a
 * 100-record MSK event shaped as Lambda delivers it, with an in-memory idempotency guard and a
 * trivial handler, against the least any consumer must do with the same event: base64-decode and
 * JSON.parse each record. Rounds alternate the two so machine noise hits both alike.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createEvent } from '../lambdas/shared/events/envelope';
import type { IdempotencyGuard } from '../lambdas/shared/idempotency';
import { consumeBatch } from '../lambdas/shared/kafka/consumer';
import type { MskEvent } from '../lambdas/shared/kafka/msk-event';
import { mskEventOf } from '../local/esm/msk-event-builder';
import { sampleData } from '../local/samples';
import { type Stats, stats } from './stats';

export const RECORDS_PER_EVENT = 100;

/** A realistic OrderCreated v2 (what the order API publishes), one order id per record. */
function orderCreatedEvents(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const orderId = `ord_BENCH${String(i).padStart(20, '0')}`;
    const data = sampleData('OrderCreated', {
      orderId,
      customerId: `c-${i}`,
      items: [
        { sku: 'SKU-001', quantity: 2, unitPriceCents: 999 },
        { sku: 'SKU-004', quantity: 1, unitPriceCents: 2_499 },
      ],
      totalCents: 4_497,
    });
    return createEvent('OrderCreated', data, { subject: orderId, correlationId: randomUUID() });
  });
}

/** Remembers completed keys in a Map: the DynamoDB guard's contract without the network. */
function memoryIdempotency(): IdempotencyGuard {
  const done = new Set<string>();
  return {
    async run(key, effect) {
      if (done.has(key)) return 'duplicate';
      await effect();
      done.add(key);
      return 'processed';
    },
  };
}

const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const noDeadLetters = {
  send: async () => {
    throw new Error('a valid benchmark record was dead-lettered');
  },
};

async function pipelineBatch(event: MskEvent): Promise<number> {
  let handled = 0;
  const response = await consumeBatch(event, {
    handlers: {
      OrderCreated: async () => {
        handled++;
      },
    },
    idempotency: memoryIdempotency(),
    deadLetters: noDeadLetters,
    logger: quietLogger,
  });
  if (response.batchItemFailures.length > 0 || handled !== RECORDS_PER_EVENT) {
    throw new Error(`consumeBatch handled ${handled} of ${RECORDS_PER_EVENT} records`);
  }
  return handled;
}

function bareParseBatch(event: MskEvent): number {
  let parsed = 0;
  for (const records of Object.values(event.records)) {
    for (const record of records) {
      const value = JSON.parse(Buffer.from(record.value as string, 'base64').toString('utf8')) as { id?: string };
      if (value.id) parsed++;
    }
  }
  if (parsed !== RECORDS_PER_EVENT) throw new Error(`parsed ${parsed} of ${RECORDS_PER_EVENT} records`);
  return parsed;
}

export interface PerRecordResult {
  readonly records: number;
  readonly batchesPerRound: number;
  readonly rounds: number;
  /** Microseconds per record. */
  readonly pipelineUs: Stats;
  readonly bareParseUs: Stats;
  /** Pipeline / bare parse, per round. */
  readonly ratio: Stats;
}

export async function measurePerRecord(rounds: number, batchesPerRound: number): Promise<PerRecordResult> {
  const event = mskEventOf(orderCreatedEvents(RECORDS_PER_EVENT));
  // Warm-up: let the JIT compile both paths before any sample counts.
  for (let i = 0; i < 200; i++) {
    await pipelineBatch(event);
    bareParseBatch(event);
  }
  const pipeline: number[] = [];
  const bare: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let start = performance.now();
    for (let i = 0; i < batchesPerRound; i++) await pipelineBatch(event);
    const p = ((performance.now() - start) * 1000) / (batchesPerRound * RECORDS_PER_EVENT);
    start = performance.now();
    for (let i = 0; i < batchesPerRound; i++) bareParseBatch(event);
    const b = ((performance.now() - start) * 1000) / (batchesPerRound * RECORDS_PER_EVENT);
    pipeline.push(p);
    bare.push(b);
    ratios.push(p / b);
  }
  return {
    records: RECORDS_PER_EVENT,
    batchesPerRound,
    rounds,
    pipelineUs: stats(pipeline),
    bareParseUs: stats(bare),
    ratio: stats(ratios),
  };
}
