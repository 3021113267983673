/**
 * One partition of an emulated MSK trigger: buffers the records kafkajs fetched, cuts them into
 * batches the way Lambda does, invokes the function with at most one batch in flight, applies the
 * provisioned-mode error handling (partial batch responses, retries, bisect, maximum record age,
 * the Kafka on-failure destination) and commits only what is resolved.
 *
 * Invariant the commits rest on: `queue` holds every fetched record that is not yet resolved
 * (succeeded, filtered out or dead-lettered), in offset order, so the offset to commit is always
 * that of the first queued record, or the end of what was fetched when nothing is queued.
 *
 * Retries follow what AWS documents and, where it is silent, the reading chosen (./readings.ts):
 * - after a partial batch response, the records named come again; with `reported-only` the others
 *   are done, with `from-lowest` the partition resumes from its lowest named offset;
 * - a bisect split does not count towards the retry quota (documented for stream sources): a failed
 *   invocation that is split costs nothing, its halves carry on with the counts they had;
 * - every other failed invocation counts: with `per-record` against each record it carried (or
 *   named, for a partial response), which goes to the dead-letter topic once its own count is over
 *   retryAttempts; with `per-batch` against the partition, whose failed records all go once it has
 *   failed more than retryAttempts times in a row without its head moving on.
 */

import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from '../../lambdas/shared/kafka/driver';
import type { MskRecord } from '../../lambdas/shared/kafka/msk-event';
import type { FailureCondition, FailureDetails } from '../../lambdas/shared/kafka/on-failure-record';
import { shortEventType } from '../../lib/topology';
import type { InvocationResult, Invoker, ResponseContext } from './invoke';
import {
  type EventSource,
  eventSize,
  MAX_PAYLOAD_BYTES,
  mskEvent,
  mskRecordOf,
  partitionKey,
  serializedSize,
} from './msk-event-builder';
import type { EsmReading } from './readings';

export interface BatchSettings {
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  /** Retries after the first attempt; never infinite here, as Lambda caps it at 10 with a destination. */
  readonly retryAttempts: number;
  readonly bisectOnError: boolean;
  /** -1 for no limit. */
  readonly maxRecordAgeMs: number;
}

export interface WorkerHost {
  readonly settings: BatchSettings;
  readonly reading: EsmReading;
  readonly source: EventSource;
  readonly functionArn: string;
  readonly invoker: Invoker;
  readonly retryDelayMs: number;
  accepts(value: Buffer | null): boolean;
  isStopping(): boolean;
  commit(topic: string, partition: number, offset: number): Promise<void>;
  deadLetter(entries: readonly DeadLetterEntry[]): Promise<void>;
  pause(partition: number): void;
  resume(partition: number): void;
  /** Something an idle() waiter may be waiting for has happened. */
  changed(): void;
  count(counter: CounterName, by?: number): void;
  /** One invocation finished; `retry` when it carried records that had failed before. */
  invoked(result: InvocationResult, retry: boolean): void;
  log(line: string, fields?: Record<string, unknown>): void;
}

export type CounterName =
  | 'invocations'
  | 'retries'
  | 'failedInvocations'
  | 'partialFailures'
  | 'recordsInvoked'
  | 'recordsFiltered'
  | 'recordsDeadLettered';

export interface DeadLetterEntry {
  readonly record: MskRecord;
  readonly key: Buffer | null;
  readonly failure: FailureDetails;
}

interface Entry {
  readonly record: MskRecord;
  readonly offset: number;
  readonly key: Buffer | null;
  /** Serialized size inside an event's records array. */
  readonly size: number;
  readonly arrivedAt: number;
  invocations: number;
  /** Failed invocations counted against this record (per-record reading). */
  failures: number;
  /** It was in a failed invocation or named in a partial response: it goes again at once. */
  retrying: boolean;
  lastRequestId?: string;
  lastResponse?: ResponseContext;
}

/** Records buffered per partition before fetching pauses (the function is slower than the topic). */
const PAUSE_RECORDS_PER_BATCH = 3;
const MIN_PAUSE_RECORDS = 500;
const PAUSE_BYTES = 3 * MAX_PAYLOAD_BYTES;
const COMMIT_RETRY_MS = 500;
const DEAD_LETTER_RETRY_MS = 1_000;

export class PartitionWorker {
  private readonly queue: Entry[] = [];
  private queuedBytes = 0;
  /** End offsets of the segments a bisect left to run; the next one is last. */
  private readonly plan: number[] = [];
  private readonly key: string;
  /** Serialized size of this partition's event with no records. */
  private readonly envelopeSize: number;
  /** The offset after the last record fetched (-1 before the first). */
  nextFetchOffset = -1;
  /** The last offset committed by this worker (-1 before the first commit). */
  committed = -1;
  revoked = false;
  inFlight = false;
  paused = false;
  private active = false;
  private done: Promise<void> = Promise.resolve();
  private wakeUp?: () => void;
  private notBefore = 0;
  /** Failed invocations in a row since the head of the partition last moved on (per-batch reading). */
  private failedInARow = 0;
  /** No commit is attempted again before this time (ms) after one failed. */
  private commitRetryAt = 0;
  /** Commit attempts that failed in a row. */
  private failedCommits = 0;

  constructor(
    private readonly host: WorkerHost,
    readonly topic: string,
    readonly partition: number,
  ) {
    this.key = partitionKey(topic, partition);
    this.envelopeSize = eventSize(host.source, topic, partition, []);
  }

  get buffered(): number {
    return this.queue.length;
  }

  /** One line of what the worker is doing, for a stall report. */
  describe(): string {
    const head = this.queue[0]?.offset;
    return (
      `${this.key}: fetched to ${this.nextFetchOffset}, committed ${this.committed}, ${this.queue.length} queued` +
      `${head === undefined ? '' : ` from ${head}`}${this.inFlight ? ', invoking' : ''}${this.active ? '' : ', idle'}` +
      `${this.paused ? ', paused' : ''}${this.revoked ? ', revoked' : ''}` +
      `${this.notBefore > Date.now() ? `, retry in ${this.notBefore - Date.now()} ms` : ''}`
    );
  }

  /** Takes one fetched message; a message fetched again after a rebalance is ignored. */
  accept(message: KafkaMessage, now: number): void {
    const offset = Number(message.offset);
    if (offset < this.nextFetchOffset) return;
    this.nextFetchOffset = offset + 1;
    if (!this.host.accepts(message.value)) {
      // Filtered out: resolved at once, committed with the next commit of this partition.
      this.host.count('recordsFiltered');
      return;
    }
    const record = mskRecordOf(this.topic, this.partition, message);
    const size = serializedSize(record);
    this.queue.push({
      record,
      offset,
      key: message.key,
      size,
      arrivedAt: now,
      invocations: 0,
      failures: 0,
      retrying: false,
    });
    this.queuedBytes += size;
  }

  /** After a fetch: apply back-pressure and make sure the loop runs (it also commits filtered records). */
  fetched(): void {
    const { batchSize } = this.host.settings;
    const limit = Math.max(MIN_PAUSE_RECORDS, PAUSE_RECORDS_PER_BATCH * batchSize);
    if (!this.paused && (this.queue.length >= limit || this.queuedBytes >= PAUSE_BYTES)) {
      this.paused = true;
      this.host.pause(this.partition);
    }
    this.schedule();
  }

  schedule(): void {
    if (this.revoked || this.host.isStopping()) return;
    if (this.active) {
      this.wakeUp?.();
      return;
    }
    this.active = true;
    this.done = this.run();
  }

  wake(): void {
    this.wakeUp?.();
  }

  /** Resolves when the loop has ended (after stop: the in-flight batch is finished and committed). */
  finished(): Promise<void> {
    return this.done;
  }

  /** The partition went to another member: drop everything; that member starts from the commit. */
  revoke(): void {
    this.revoked = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.plan.length = 0;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    try {
      while (!this.revoked && !this.host.isStopping()) {
        await this.commitProgress();
        if (this.queue.length === 0) {
          if (this.committed >= this.nextFetchOffset) {
            // Decided without an await in between, so a fetch that lands now starts a new loop.
            this.active = false;
            return;
          }
          await this.sleep(Math.max(this.commitRetryAt - Date.now(), COMMIT_RETRY_MS / 5));
          continue;
        }
        const wait = this.msUntilReady(Date.now());
        if (wait > 0) {
          await this.sleep(wait);
          continue;
        }
        await this.processNextBatch();
        this.resumeIfDrained();
      }
      await this.commitProgress(true);
    } catch (error) {
      this.host.log(`${this.key} worker error: ${String(error)}`, { topic: this.topic, partition: this.partition });
      if (!this.host.isStopping()) setTimeout(() => this.schedule(), COMMIT_RETRY_MS).unref();
    }
    this.active = false;
  }

  private msUntilReady(now: number): number {
    if (this.notBefore > now) return this.notBefore - now;
    const head = this.queue[0] as Entry;
    // A retry or a bisected half goes at once; the batching window is for new records only.
    if (this.plan.length > 0 || head.retrying) return 0;
    if (this.queue.length >= this.host.settings.batchSize || this.queuedBytes >= MAX_PAYLOAD_BYTES) return 0;
    // Lambda: "a batching window begins as soon as the first record arrives".
    return Math.max(0, head.arrivedAt + this.host.settings.batchingWindowMs - now);
  }

  private async processNextBatch(): Promise<void> {
    const { batchSize, maxRecordAgeMs } = this.host.settings;
    const now = Date.now();
    const segmentEnd = this.plan.at(-1);
    const batch: Entry[] = [];
    const expired: Entry[] = [];
    const oversized: Entry[] = [];
    let recordBytes = 0;
    for (const entry of this.queue) {
      if (segmentEnd !== undefined && entry.offset > segmentEnd) break;
      if (batch.length >= batchSize) break;
      if (maxRecordAgeMs >= 0 && now - entry.record.timestamp > maxRecordAgeMs) {
        expired.push(entry);
        continue;
      }
      if (this.envelopeSize + entry.size > MAX_PAYLOAD_BYTES) {
        oversized.push(entry);
        continue;
      }
      // Records are joined by commas inside the event's array.
      const grown = recordBytes + entry.size + (batch.length > 0 ? 1 : 0);
      if (batch.length > 0 && this.envelopeSize + grown > MAX_PAYLOAD_BYTES) break;
      batch.push(entry);
      recordBytes = grown;
    }
    if (expired.length > 0 && !(await this.deadLetter(expired, 'RecordAgeExceeded'))) return;
    if (oversized.length > 0 && !(await this.deadLetter(oversized, 'MaximumPayloadSizeExceeded'))) return;
    if (batch.length === 0) return;

    const retry = batch.some((e) => e.retrying);
    for (const entry of batch) entry.invocations += 1;
    this.inFlight = true;
    this.host.count('invocations');
    this.host.count('recordsInvoked', batch.length);
    const result = await this.host.invoker.invoke(
      mskEvent(
        this.host.source,
        batch.map((e) => e.record),
      ),
    );
    this.inFlight = false;
    this.host.invoked(result, retry);
    this.host.changed();
    // Another member owns the partition now and starts again from the last commit.
    if (this.revoked) return;
    await this.settle(batch, result);
  }

  /** Moves the partition on after an invocation: what is done is resolved, the rest retried or dead-lettered. */
  private async settle(batch: readonly Entry[], result: InvocationResult): Promise<void> {
    const first = (batch[0] as Entry).offset;
    const last = (batch.at(-1) as Entry).offset;
    const settling: Settling = {
      batch,
      last,
      fields: {
        topic: this.topic,
        partition: this.partition,
        firstOffset: first,
        lastOffset: last,
        records: batch.length,
        requestId: result.requestId,
        durationMs: result.durationMs,
      },
      range: `${this.key} [${first}..${last}] (${batch.length} record${batch.length === 1 ? '' : 's'})`,
    };
    if (result.kind === 'success') this.settleSuccess(settling, result);
    else if (result.kind === 'partial') await this.settlePartial(settling, result);
    else await this.settleError(settling, result);
  }

  private settleSuccess({ batch, fields }: Settling, result: Extract<InvocationResult, { kind: 'success' }>): void {
    this.resolve(batch);
    // One readable line per event handled, tagged with its type and aggregate (order) id.
    for (const entry of batch) {
      const { type, subject } = describeRecord(entry.record);
      this.host.log(
        `${type.padEnd(26)} ${subject.padEnd(30)} ${this.key}@${entry.offset} ok (${result.durationMs} ms batch)`,
        {
          ...fields,
          offset: entry.offset,
          type,
          subject,
          outcome: 'success',
        },
      );
    }
  }

  /** Partial batch response: the records named failed; the rest are done, as the reading redelivers. */
  private async settlePartial(
    { batch, fields: batchFields, range }: Settling,
    result: Extract<InvocationResult, { kind: 'partial' }>,
  ): Promise<void> {
    this.host.count('partialFailures');
    const named = new Set(result.failures.map((f) => f.offset));
    const failed = batch.filter((e) => named.has(e.offset));
    const offsets = failed.map((e) => e.offset);
    const exhausted = this.countFailure(failed, result.requestId, { statusCode: 200, executedVersion: '$LATEST' });
    const fields = { ...batchFields, outcome: 'partial', failedOffsets: offsets };
    if (exhausted.length > 0) {
      this.host.log(
        `${range} partial failure at ${offsets.join(', ')}: retries exhausted for ${exhausted.length}`,
        fields,
      );
      if (!(await this.deadLetter(exhausted, 'RetryAttemptsExhausted'))) return;
    }
    const retried = failed.filter((e) => !exhausted.includes(e));
    if (retried.length === 0) {
      this.resolve(batch);
      return;
    }
    const lowest = (retried[0] as Entry).offset;
    this.resolve(
      this.host.reading.partialRedelivery === 'reported-only'
        ? batch.filter((e) => !named.has(e.offset))
        : batch.filter((e) => e.offset < lowest),
    );
    this.notBefore = Date.now() + this.host.retryDelayMs;
    const how = this.host.reading.partialRedelivery === 'reported-only' ? 'retrying those' : `retrying from ${lowest}`;
    this.host.log(`${range} partial failure at ${offsets.join(', ')}, ${how}`, fields);
  }

  /** The invocation failed whole: bisect, retry, or dead-letter what has no retries left. */
  private async settleError(
    { batch, last, fields, range }: Settling,
    result: Extract<InvocationResult, { kind: 'error' }>,
  ): Promise<void> {
    this.host.count('failedInvocations');
    const response: ResponseContext = {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(result.functionError ? { functionError: 'Unhandled' } : {}),
    };
    const errorFields = { ...fields, outcome: 'error', error: result.message };
    // Bisect is for function errors; a response Lambda cannot use is retried as it is. A split is
    // free: the halves keep the counts they had.
    if (this.host.settings.bisectOnError && result.functionError && batch.length > 1) {
      this.remember(batch, result.requestId, response);
      const middle = (batch[Math.ceil(batch.length / 2) - 1] as Entry).offset;
      if (this.plan.at(-1) !== last) this.plan.push(last);
      this.plan.push(middle);
      this.host.log(`${range} failed: ${result.message}; splitting at ${middle}`, errorFields);
      this.notBefore = Date.now() + this.host.retryDelayMs;
      return;
    }
    const exhausted = this.countFailure(batch, result.requestId, response);
    if (exhausted.length > 0) {
      this.host.log(`${range} failed: ${result.message}; retries exhausted for ${exhausted.length}`, errorFields);
      if (!(await this.deadLetter(exhausted, 'RetryAttemptsExhausted'))) return;
      if (exhausted.length === batch.length) return;
    } else {
      this.host.log(`${range} failed: ${result.message}; retrying`, errorFields);
    }
    this.notBefore = Date.now() + this.host.retryDelayMs;
  }

  /**
   * Counts one failed invocation against `entries` as the reading says, and answers those whose
   * retries are now exhausted (each record's own count, or the partition's run of failures).
   */
  private countFailure(entries: readonly Entry[], requestId: string, response: ResponseContext): Entry[] {
    this.remember(entries, requestId, response);
    const { retryAttempts } = this.host.settings;
    if (this.host.reading.retryCounting === 'per-batch') {
      this.failedInARow += 1;
      return this.failedInARow > retryAttempts ? [...entries] : [];
    }
    for (const entry of entries) entry.failures += 1;
    return entries.filter((e) => e.failures > retryAttempts);
  }

  private remember(entries: readonly Entry[], requestId: string, response: ResponseContext): void {
    for (const entry of entries) {
      entry.retrying = true;
      entry.lastRequestId = requestId;
      entry.lastResponse = response;
    }
  }

  /** Marks records done: out of the queue, and any bisect segment they closed off the plan. */
  private resolve(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const before = this.queue[0];
    const done = new Set(entries);
    let kept = 0;
    for (const entry of this.queue) {
      if (done.has(entry)) this.queuedBytes -= entry.size;
      else this.queue[kept++] = entry;
    }
    this.queue.length = kept;
    const head = this.queue[0]?.offset ?? Number.POSITIVE_INFINITY;
    while (this.plan.length > 0 && (this.plan.at(-1) as number) < head) this.plan.pop();
    if (this.queue[0] !== before) this.failedInARow = 0;
  }

  /** Writes the records to the dead-letter topic, retrying until it works or the emulator stops. */
  private async deadLetter(entries: readonly Entry[], condition: FailureCondition): Promise<boolean> {
    const dead: DeadLetterEntry[] = entries.map((entry) => ({
      record: entry.record,
      key: entry.key,
      failure: {
        condition,
        requestId: entry.lastRequestId ?? randomUUID(),
        functionArn: this.host.functionArn,
        approximateInvokeCount: entry.invocations,
        responseContext: entry.lastResponse ?? null,
      },
    }));
    const offsets = entries.map((e) => e.offset);
    for (;;) {
      try {
        await this.host.deadLetter(dead);
        break;
      } catch (error) {
        this.host.log(`${this.key} could not write to the dead-letter topic: ${String(error)}`, {
          topic: this.topic,
          partition: this.partition,
          offsets,
        });
        if (this.revoked || this.host.isStopping()) return false;
        await this.sleep(DEAD_LETTER_RETRY_MS);
      }
    }
    this.host.count('recordsDeadLettered', entries.length);
    this.host.log(
      `${this.key} dead-lettered offset${offsets.length === 1 ? '' : 's'} ${offsets.join(', ')} (${condition})`,
      {
        topic: this.topic,
        partition: this.partition,
        offsets,
        condition,
      },
    );
    this.resolve(entries);
    return true;
  }

  /**
   * Commits what is resolved, before the next batch, so a stop or a crash redelivers as little as
   * possible. A commit that failed (or that the consumer dropped: see ./confirmed-commit.ts) is tried
   * again at most every COMMIT_RETRY_MS; batches in between go on without it (the next commit that
   * is taken carries their progress too), so a consumer restarting or a group rebalancing costs a
   * partition one attempt per half second, not one per batch.
   */
  private async commitProgress(force = false): Promise<void> {
    if (this.revoked) return;
    const target = this.queue[0]?.offset ?? this.nextFetchOffset;
    if (target < 0 || target <= this.committed) return;
    if (!force && Date.now() < this.commitRetryAt) return;
    try {
      await this.host.commit(this.topic, this.partition, target);
      this.committed = target;
      this.commitRetryAt = 0;
      if (this.failedCommits > 0) {
        this.host.log(`${this.key} committed offset ${target} after ${this.failedCommits} failed attempt(s)`, {
          topic: this.topic,
          partition: this.partition,
          offset: target,
        });
        this.failedCommits = 0;
      }
      this.host.changed();
    } catch (error) {
      this.commitRetryAt = Date.now() + COMMIT_RETRY_MS;
      // One line when a run of failures starts (and every 20th after), not one every half second.
      if (this.failedCommits % 20 === 0) {
        this.host.log(`${this.key} commit of offset ${target} failed: ${String(error)}; trying again`, {
          topic: this.topic,
          partition: this.partition,
          offset: target,
          failedAttempts: this.failedCommits + 1,
        });
      }
      this.failedCommits += 1;
    }
  }

  private resumeIfDrained(): void {
    if (!this.paused) return;
    const limit = Math.max(MIN_PAUSE_RECORDS, PAUSE_RECORDS_PER_BATCH * this.host.settings.batchSize);
    if (this.queue.length < limit / 2 && this.queuedBytes < PAUSE_BYTES / 2) {
      this.paused = false;
      this.host.resume(this.partition);
    }
  }

  /** Sleeps, waking early on a fetch, a revoke or stop. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        if (this.wakeUp === finish) this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wakeUp = finish;
    });
  }
}

/** One invocation's batch as its outcome is settled: its records, last offset, log fields and range. */
interface Settling {
  readonly batch: readonly Entry[];
  readonly last: number;
  readonly fields: Record<string, unknown>;
  readonly range: string;
}

/** The CloudEvent type and subject of a record, for log lines; placeholders when it is not one. */
function describeRecord(record: MskRecord): { type: string; subject: string } {
  try {
    const event = JSON.parse(Buffer.from(record.value ?? '', 'base64').toString('utf8')) as {
      type?: unknown;
      subject?: unknown;
    };
    const type = typeof event.type === 'string' ? shortEventType(event.type) : '(no type)';
    return { type, subject: typeof event.subject === 'string' ? event.subject : '-' };
  } catch {
    return { type: '(not JSON)', subject: '-' };
  }
}
