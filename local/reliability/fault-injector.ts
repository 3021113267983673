/**
 * The fault injector the local runtime wraps its Kafka-triggered functions with (local/faults.ts):
 * the world around Lambda misbehaving (a batch handed over twice, a crash mid-batch, a handler
 * stalled past its timeout, a crash right after a DynamoDB write), never a change to a handler.
 */
import type { MskEvent } from '../../lambdas/shared/kafka/msk-event';
import type { ConsumerServiceName } from '../../lib/topology';
import type { FaultInjection, KafkaLambdaHandler, TriggerTarget } from '../faults';
import { sleep } from './orders';

export type FaultMode =
  | 'none'
  /** The same batch handed to the function twice (a retry after a lost response). */
  | 'reinvoke'
  /** The function handles the first half of a batch, then crashes (a single record: after all its effects). */
  | 'crash'
  /**
   * The function handles the first half, then stalls past its timeout and is abandoned, as Lambda
   * stops a timed-out invocation: the rest is never handled by it.
   */
  | 'slow';

interface Delivery {
  readonly service: ConsumerServiceName;
  readonly eventId: string;
}

export class FaultInjector implements FaultInjection {
  mode: FaultMode = 'none';
  timeoutSeconds?: number;
  /** Of 'reinvoke', 'crash' and 'slow': one invocation in `every` is faulted, at most `limit` in all. */
  every = 3;
  limit = Number.POSITIVE_INFINITY;
  injected = 0;
  /** Deliveries of an event id to a service after its first: duplicates the service must absorb. */
  redeliveries = 0;
  private invocations = 0;
  private readonly seen = new Set<string>();
  /** Records that were in a faulted invocation already; each is faulted once at most. */
  private readonly faulted = new Set<string>();

  /** Tables after whose conditional writes (see crashAfterWrite) the calling function crashes. */
  crashAfterWriteTo: readonly string[] = [];
  /** At most this many in a scenario (no limit: one order in four, at most three per table). */
  crashAfterWriteLimit = Number.POSITIVE_INFINITY;
  crashesAfterWrite = 0;
  /** Successful conditional writes so far, per table, order and kind (put or update). */
  private readonly writesSeen = new Map<string, number>();

  /**
   * For a DynamoDB middleware: whether the write just made should be followed by a crash, so the
   * function fails after its DynamoDB write and before it publishes. One order in four, per table
   * after its first conditional put and after its first two conditional updates, up to the limit.
   * The second update is there for the handlers that write twice: the order service records the
   * event that completes an order's facts with an update (an order's second, on the happy path)
   * and settles it with a put, and a crash between the two must leave nothing undone; inventory
   * takes stock with its second update, after opening the reservation.
   */
  crashAfterWrite(input: { TableName?: string; ConditionExpression?: string; UpdateExpression?: string }): boolean {
    if (this.crashesAfterWrite >= this.crashAfterWriteLimit) return false;
    if (!input.TableName || !this.crashAfterWriteTo.includes(input.TableName) || !input.ConditionExpression) {
      return false;
    }
    const orderId = /ord_[0-9A-Z]+/.exec(JSON.stringify(input))?.[0];
    if (!orderId || orderId.charCodeAt(orderId.length - 1) % 4 !== 0) return false;
    const kind = input.UpdateExpression === undefined ? 'put' : 'update';
    const key = `${input.TableName}/${orderId}/${kind}`;
    const nth = (this.writesSeen.get(key) ?? 0) + 1;
    this.writesSeen.set(key, nth);
    if (nth > (kind === 'put' ? 1 : 2)) return false;
    this.crashesAfterWrite++;
    return true;
  }

  resetCounts(): void {
    this.crashesAfterWrite = 0;
    this.injected = 0;
    this.redeliveries = 0;
  }

  wrapHandler(target: TriggerTarget, handler: KafkaLambdaHandler): KafkaLambdaHandler {
    return async (event, context) => {
      this.countDeliveries(target, event);
      const mode = this.mode;
      const records = Object.entries(event.records).flatMap(([key, list]) => list.map((r) => ({ key, r })));
      const ids = records.map(({ r }) => `${r.topic}-${r.partition}@${r.offset}`);
      this.invocations++;
      const chosen =
        mode !== 'none' &&
        this.injected < this.limit &&
        this.invocations % this.every === 0 &&
        ids.every((id) => !this.faulted.has(id));
      if (!chosen) return handler(event, context);
      this.injected++;
      for (const id of ids) this.faulted.add(id);
      if (mode === 'reinvoke') {
        await handler(event, context);
        return handler(event, context);
      }
      const half = Math.ceil(records.length / 2);
      const first = subset(event, records.slice(0, half));
      await handler(first, context);
      if (mode === 'crash') throw new Error('injected crash mid-batch, after the effects of the first half');
      // Past the timeout the trigger has already counted this invocation failed and retries it;
      // going on here would race the retry on the same records, which Lambda never does.
      await sleep(((this.timeoutSeconds ?? 30) + 1) * 1_000);
      return { batchItemFailures: [] };
    };
  }

  private countDeliveries(target: TriggerTarget, event: MskEvent): void {
    for (const list of Object.values(event.records)) {
      for (const record of list) {
        const id = eventIdOf(record.value);
        if (!id) continue;
        const delivery: Delivery = { service: target.service, eventId: id };
        const key = `${delivery.service}/${delivery.eventId}`;
        if (this.seen.has(key)) this.redeliveries++;
        else this.seen.add(key);
      }
    }
  }
}

function subset(
  event: MskEvent,
  records: readonly { key: string; r: MskEvent['records'][string][number] }[],
): MskEvent {
  const grouped: Record<string, MskEvent['records'][string][number][]> = {};
  for (const { key, r } of records) grouped[key] = [...(grouped[key] ?? []), r];
  return { ...event, records: grouped };
}

function eventIdOf(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const id = (JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
