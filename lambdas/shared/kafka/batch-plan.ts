/**
 * How one invocation's records are scheduled: grouped into chains (one per partition and key, in
 * offset order), chains started lowest offset first, and the clock the invocation must keep to.
 *
 * Records of one key are one aggregate's events, so they run strictly in offset order; records of
 * different keys are independent and may run at the same time. A record without a key belongs to
 * no aggregate (Kafka itself does not order keyless records by anything but their partition), so
 * it is a chain of its own.
 */
import type { DecodedRecord } from './msk-event';

export interface Chain {
  readonly records: readonly DecodedRecord[];
}

/**
 * Chains of the batch, ordered so the records nearest the head of each partition start first: the
 * records a retry would be resumed from are the ones most worth finishing.
 */
export function chainsOf(records: readonly DecodedRecord[]): Chain[] {
  const byKey = new Map<string, { rank: number; partitionOrder: number; records: DecodedRecord[] }>();
  const seen = new Map<string, number>();
  const partitionOrder = new Map<string, number>();
  for (const record of records) {
    const partition = record.itemIdentifier.partition;
    if (!partitionOrder.has(partition)) partitionOrder.set(partition, partitionOrder.size);
    const rank = seen.get(partition) ?? 0;
    seen.set(partition, rank + 1);
    const key = record.key === null ? `${partition}\u0000@${record.offset}` : `${partition}\u0000${record.key}`;
    const chain = byKey.get(key);
    if (chain) chain.records.push(record);
    else byKey.set(key, { rank, partitionOrder: partitionOrder.get(partition) as number, records: [record] });
  }
  return [...byKey.values()]
    .sort((a, b) => a.rank - b.rank || a.partitionOrder - b.partitionOrder)
    .map(({ records: list }) => ({ records: list }));
}

/** When an invocation stops starting records, and when it must answer, in epoch milliseconds. */
export interface Deadlines {
  readonly startBy: number;
  readonly answerBy: number;
}

/** Share of the function timeout kept back from starting new records, and its bounds. */
const START_RESERVE = { share: 0.1, minMs: 1_000, maxMs: 10_000 } as const;
/** Share kept back to answer (serialize the response) before Lambda's own timeout, and its bounds. */
const ANSWER_RESERVE = { share: 0.02, minMs: 250, maxMs: 2_000 } as const;

/**
 * The invocation's deadlines from the time Lambda left it. Past `startBy` no record is started;
 * at `answerBy` the invocation answers with what is done, whatever is still running. Without a
 * Lambda context there is no deadline.
 */
export function deadlinesFor(remainingMs: number | undefined, now: number): Deadlines {
  if (remainingMs === undefined || !Number.isFinite(remainingMs)) {
    return { startBy: Number.POSITIVE_INFINITY, answerBy: Number.POSITIVE_INFINITY };
  }
  const reserve = (r: { share: number; minMs: number; maxMs: number }) =>
    Math.min(r.maxMs, Math.max(r.minMs, remainingMs * r.share));
  const answerBy = now + Math.max(0, remainingMs - reserve(ANSWER_RESERVE));
  const startBy = Math.min(answerBy, now + Math.max(0, remainingMs - reserve(START_RESERVE)));
  return { startBy, answerBy };
}
