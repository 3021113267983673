/**
 * The consumer wrapper every Kafka-triggered service uses: decode each record of the MSK event,
 * parse and validate its CloudEvent, skip events already handled (by event id), dispatch by type,
 * and answer with Kafka partial batch failures so the ESM retries, bisects and dead-letters only
 * the records that are not done.
 *
 * Three kinds of record besides the ones it handles: a record that can never succeed (over
 * MAX_EVENT_BYTES, not JSON, not a CloudEvent, an unknown type, an event on a topic it does not
 * belong to, data failing its schema) is written to the service's dead-letter topic at once with
 * its reason, and its partition moves on; a known event of the topic that the service does not
 * handle is skipped (done, counted); an error while handling a valid event is reported as a batch
 * item failure, so Lambda retries it as configured and then dead-letters it itself.
 */
import type { Context } from 'aws-lambda';
import {
  domainTopic,
  EVENTS,
  type EventName,
  MAX_EVENT_BYTES,
  type ServiceName,
  type SubscribedEvent,
} from '../../../lib/topology';
import { type CloudEvent, type ReceivedEvent, validateEnvelope, validateEventData } from '../events/validation';
import type { IdempotencyGuard } from '../idempotency';
import { type Chain, chainsOf, deadlinesFor } from './batch-plan';
import type { DeadLetterContext, DeadLetterSink } from './dead-letter';
import { type DecodedRecord, decodeMskEvent, type KafkaBatchResponse } from './msk-event';

/** Handles one valid event; an error fails the record, which Lambda then retries as configured. */
export type EventHandler<N extends EventName> = (event: ReceivedEvent<N>, record: DecodedRecord) => Promise<void>;

/** What the consumer dispatches to: a handler per event type it handles; the others are skipped. */
export type EventHandlers = { readonly [N in EventName]?: EventHandler<N> };

/**
 * A service's handler map: exactly one handler for each event its subscriptions deliver
 * (lib/topology.ts), so leaving one out is a compile error (and so is an extra one, at kafkaHandler).
 */
export type HandlersOf<S extends ServiceName> = { readonly [N in SubscribedEvent<S>]: EventHandler<N> };

export interface ConsumerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface BatchOutcome {
  handled: number;
  duplicates: number;
  deadLettered: number;
  /** Known events of the topic that the service does not handle. */
  skipped: number;
  /** Failed, or held back behind a failure of the same key. */
  failed: number;
  /** Not started, or still running, when the function's time ran short: left for the retry. */
  deferred: number;
}

export interface ConsumerDeps {
  readonly handlers: EventHandlers;
  readonly idempotency: IdempotencyGuard;
  readonly deadLetters: DeadLetterSink;
  readonly logger: ConsumerLogger;
  /** Called once per batch with its counts, for metrics. */
  readonly onOutcome?: (outcome: BatchOutcome) => void;
  /** Wraps the processing of each record, for log keys, a trace subsegment and per-record metrics. */
  readonly aroundRecord?: AroundRecord;
  /** Records of different keys processed at once, per topic (lib/topology.ts); 1 when absent. */
  readonly concurrency?: (topic: string) => number;
  /** @default Date.now */
  readonly now?: () => number;
}

export type RecordResult = 'handled' | 'duplicate' | 'dead-lettered' | 'skipped';

export interface RecordScope {
  readonly record: DecodedRecord;
  /** The record's CloudEvent, when it is one this service handles. */
  readonly event?: CloudEvent;
}

/**
 * Must run `process` once and pass on its result or its error (an error fails the record). Records
 * held back behind an earlier failure of their partition are never processed, so never wrapped.
 */
export type AroundRecord = (scope: RecordScope, process: () => Promise<RecordResult>) => Promise<RecordResult>;

const direct: AroundRecord = (_scope, process) => process();

/**
 * Records of one key (one aggregate) run in offset order; records of different keys run up to
 * `concurrency` at a time, those nearest the head of their partition first. The answer lists every
 * record that is not proven done: the ones that failed, the later records of their key, and, when
 * the function's time runs short, the ones not started or still running. Lambda retries exactly
 * those, however it reads the list (from the lowest reported offset of a partition, or only the
 * records named), so nothing is committed unless it is done.
 *
 * Close to the function timeout it stops starting records (and then answers, whatever still runs),
 * so a batch that is merely slow makes progress instead of timing out whole and spending every
 * record's retries; it does not start a record that, as slow as the slowest so far, would still run
 * when it must answer. The first record always starts, so every invocation can move its partition on.
 */
export async function consumeBatch(event: unknown, deps: ConsumerDeps, context?: Context): Promise<KafkaBatchResponse> {
  const records = decodeMskEvent(event);
  const now = deps.now ?? Date.now;
  const deadlines = deadlinesFor(context?.getRemainingTimeInMillis(), now());
  const run: BatchRun = {
    deps,
    envelope: sourceOf(event),
    context,
    // The idempotency guard keeps a key "in progress" until the invocation answers, not until
    // Lambda's timeout: a retry that comes after the answer may take over what was still running.
    guardContext: context ? clippedContext(context, deadlines.answerBy, now) : undefined,
    states: new Map(),
  };
  const chains = chainsOf(records);
  const concurrency = Math.max(1, Math.min(chains.length, deps.concurrency?.(records[0]?.topic ?? '') ?? 1));
  let nextChain = 0;
  let started = false;
  // The longest a record took so far: one that would not end before the answer is not started,
  // as it would only be left running (and compete with the retry) when the invocation answers.
  let slowest = 0;
  const mayStart = () => {
    const at = now();
    return !started || (at < deadlines.startBy && at + slowest < deadlines.answerBy);
  };
  const worker = async () => {
    while (nextChain < chains.length && mayStart()) {
      const chain = chains[nextChain++] as Chain;
      for (const record of chain.records) {
        if (!mayStart()) break;
        started = true;
        const began = now();
        const done = await processInScope(record, run);
        slowest = Math.max(slowest, now() - began);
        if (!done) break;
      }
    }
  };
  await untilDeadline(Promise.all(Array.from({ length: concurrency }, worker)), deadlines.answerBy - now());
  return answer(records, run, deps);
}

interface BatchRun {
  readonly deps: ConsumerDeps;
  readonly envelope: Pick<DeadLetterContext, 'eventSource' | 'eventSourceArn' | 'bootstrapServers'>;
  readonly context: Context | undefined;
  readonly guardContext: Context | undefined;
  /** What became of each record that was started; a record not in it was never started. */
  readonly states: Map<DecodedRecord, 'running' | 'failed' | RecordResult>;
}

/** Processes one record in its scope; false when it failed (the rest of its key must wait). */
async function processInScope(record: DecodedRecord, run: BatchRun): Promise<boolean> {
  const { deps, states } = run;
  const { partition, offset } = record.itemIdentifier;
  states.set(record, 'running');
  try {
    const checked = checkRecord(record, deps.handlers);
    const scope: RecordScope = checked.kind === 'handle' ? { record, event: checked.cloudEvent } : { record };
    const result = await (deps.aroundRecord ?? direct)(scope, async () => {
      try {
        return await processRecord(record, checked, run);
      } catch (error) {
        // Logged inside the record's scope, so the line carries its keys.
        deps.logger.error('record failed', {
          partition,
          offset,
          reason: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
    });
    states.set(record, result);
    return true;
  } catch {
    states.set(record, 'failed');
    return false;
  }
}

/** The partial batch response: every record not done, and the batch's counts. */
function answer(records: readonly DecodedRecord[], run: BatchRun, deps: ConsumerDeps): KafkaBatchResponse {
  const outcome: BatchOutcome = { handled: 0, duplicates: 0, deadLettered: 0, skipped: 0, failed: 0, deferred: 0 };
  const failures: KafkaBatchResponse['batchItemFailures'] = [];
  const failedKeys = new Set<string>();
  for (const record of records) {
    const state = run.states.get(record);
    if (state === 'handled') outcome.handled++;
    else if (state === 'duplicate') outcome.duplicates++;
    else if (state === 'dead-lettered') outcome.deadLettered++;
    else if (state === 'skipped') outcome.skipped++;
    else {
      failures.push({ itemIdentifier: record.itemIdentifier });
      const chainKey = `${record.itemIdentifier.partition}\u0000${record.key}`;
      // Held back behind a failure of its key, or the failure itself, counts as failed.
      if (state === 'failed' || (record.key !== null && failedKeys.has(chainKey))) {
        outcome.failed++;
        if (record.key !== null) failedKeys.add(chainKey);
      } else {
        outcome.deferred++;
      }
    }
  }
  if (outcome.deferred > 0) {
    deps.logger.warn('function time running short: records left for the retry', { records: outcome.deferred });
  }
  deps.onOutcome?.(outcome);
  return { batchItemFailures: failures };
}

/** Waits for `work`, or answers early once `ms` have passed; what still runs goes on unobserved. */
async function untilDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  if (!Number.isFinite(ms)) {
    await work;
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const due = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  try {
    await Promise.race([work, due]);
  } finally {
    clearTimeout(timer);
  }
}

function clippedContext(context: Context, answerBy: number, now: () => number): Context {
  return { ...context, getRemainingTimeInMillis: () => Math.max(0, answerBy - now()) };
}

function sourceOf(event: unknown): BatchRun['envelope'] {
  const { eventSource, eventSourceArn, bootstrapServers } = event as {
    eventSource?: string;
    eventSourceArn?: string;
    bootstrapServers?: string;
  };
  return { eventSource, eventSourceArn, bootstrapServers };
}

async function processRecord(record: DecodedRecord, checked: CheckedRecord, run: BatchRun): Promise<RecordResult> {
  const { deps, context } = run;
  const { partition, offset } = record.itemIdentifier;
  if (checked.kind === 'skip') {
    deps.logger.info('event not handled by this service: skipped', { partition, offset, type: checked.type });
    return 'skipped';
  }
  if (checked.kind === 'dead-letter') {
    await deps.deadLetters.send(record.raw, checked.reason, {
      ...run.envelope,
      ...(context ? { requestId: context.awsRequestId, functionArn: context.invokedFunctionArn } : {}),
    });
    deps.logger.warn('record dead-lettered', { partition, offset, reason: checked.reason });
    return 'dead-lettered';
  }
  const { cloudEvent, handler } = checked;
  const result = await deps.idempotency.run(cloudEvent.id, () => handler(cloudEvent, record), run.guardContext);
  if (result === 'duplicate') {
    deps.logger.info('duplicate skipped', { partition, offset, eventId: cloudEvent.id, type: cloudEvent.type });
    return 'duplicate';
  }
  return 'handled';
}

type CheckedRecord =
  | {
      readonly kind: 'handle';
      readonly cloudEvent: CloudEvent;
      readonly handler: (event: CloudEvent, record: DecodedRecord) => Promise<void>;
    }
  /** A known event of the record's topic that this service does not handle (filtered out on AWS). */
  | { readonly kind: 'skip'; readonly type: string }
  | { readonly kind: 'dead-letter'; readonly reason: string };

function checkRecord(record: DecodedRecord, handlers: EventHandlers): CheckedRecord {
  const deadLetter = (reason: string): CheckedRecord => ({ kind: 'dead-letter', reason });
  if (record.value === null) return deadLetter('record has no value');
  if (record.value.length > MAX_EVENT_BYTES) {
    return deadLetter(
      `oversize: the value is ${record.value.length} bytes, over the pipeline's maximum event size of ${MAX_EVENT_BYTES}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.value.toString('utf8'));
  } catch {
    return deadLetter('value is not JSON');
  }
  // Envelope, type and version first: a function's bundle carries only the schemas of the events
  // it reads and writes, so the data of another subscriber's event cannot be checked, nor need be.
  const known = validateEnvelope(parsed);
  if (!known.ok) return deadLetter(known.reason);
  const home = domainTopic(EVENTS[known.name].domain);
  if (record.topic !== home) return deadLetter(`${known.name} belongs on ${home}, not ${record.topic}`);
  const handler = handlers[known.name] as ((event: CloudEvent, record: DecodedRecord) => Promise<void>) | undefined;
  // Another subscriber's event: the trigger's filter drops it on AWS, unless Lambda reads the
  // filter that lets plain-string poison through as matching JSON values too (RELIABILITY.md).
  if (!handler) return { kind: 'skip', type: known.event.type };
  const result = validateEventData(known);
  if (!result.ok) return deadLetter(result.reason);
  return { kind: 'handle', cloudEvent: result.event, handler };
}
