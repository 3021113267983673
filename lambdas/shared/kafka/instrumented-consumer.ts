/**
 * consumeBatch with Powertools around it: the invocation in a trace subsegment, each record's keys
 * on every log line written while it is processed (and gone before the next record), a subsegment
 * per record, and one EMF line per invocation with the batch's counts and each handled event's age.
 * Takes every dependency, so tests run it with real Powertools and a real DynamoDB API.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from 'aws-lambda';
import { LOG_KEYS, METRICS, type MetricName, metricUnit, TRACE_ANNOTATIONS } from '../../../lib/runtime-contract';
import type { CloudEvent } from '../events/validation';
import type { IdempotencyGuard } from '../idempotency';
import { invocationDeadlineOf, withinInvocationDeadline } from '../invocation-deadline';
import { flushMetrics, type Instruments, inSubsegment } from '../observability';
import {
  type AroundRecord,
  type BatchOutcome,
  type ConsumerLogger,
  consumeBatch,
  type EventHandlers,
} from './consumer';
import type { DeadLetterSink } from './dead-letter';
import type { KafkaBatchResponse } from './msk-event';
import type { EventPublisher } from './publisher';

/** What a handler map is made from: the service's logger, twice, and its publisher. */
export interface ConsumerRuntime {
  readonly logger: Instruments['logger'];
  /** The same logger behind the small interface the cores take. */
  readonly log: ConsumerLogger;
  readonly publisher: EventPublisher;
}

export interface ConsumerWiring {
  readonly instruments: Instruments;
  readonly publisher: EventPublisher;
  readonly idempotency: IdempotencyGuard;
  readonly deadLetters: DeadLetterSink;
  /** Records of different keys handled at once, per topic; 1 when absent. */
  readonly concurrency?: (topic: string) => number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The metric each count of a batch's outcome is emitted as, in the order of the EMF line. */
const OUTCOME_METRICS: readonly [keyof BatchOutcome, MetricName][] = [
  ['handled', METRICS.eventsHandled],
  ['duplicates', METRICS.duplicatesSkipped],
  ['deadLettered', METRICS.eventsDeadLettered],
  ['failed', METRICS.eventsFailed],
  ['skipped', METRICS.eventsSkipped],
  ['deferred', METRICS.eventsDeferred],
];

/**
 * The log keys of the record being processed. Records of different keys run at the same time, so
 * the keys live in the record's async context, never on the shared logger.
 */
const recordKeys = new AsyncLocalStorage<Record<string, string>>();

/** The small logger the cores take: each line carries the keys of the record it was written for. */
export function consumerLogger(logger: Instruments['logger']): ConsumerLogger {
  const withKeys = (fields?: Record<string, unknown>) => ({ ...recordKeys.getStore(), ...fields });
  return {
    info: (message, fields) => logger.info(message, withKeys(fields)),
    warn: (message, fields) => logger.warn(message, withKeys(fields)),
    error: (message, fields) => logger.error(message, withKeys(fields)),
  };
}

export function instrumentedConsumer(
  makeHandlers: (runtime: ConsumerRuntime) => EventHandlers,
  wiring: ConsumerWiring,
): (event: unknown, context: Context) => Promise<KafkaBatchResponse> {
  const { instruments, publisher, idempotency, deadLetters } = wiring;
  const { logger, metrics, tracer, service } = instruments;
  const log = consumerLogger(logger);
  const handlers = makeHandlers({ logger, log, publisher });
  const aroundRecord = recordScope(instruments, wiring.now ?? Date.now);
  const onOutcome = (outcome: BatchOutcome) => {
    for (const [count, name] of OUTCOME_METRICS) metrics.addMetric(name, metricUnit(name), outcome[count]);
  };
  return async (event, context) => {
    logger.addContext(context);
    // Work this invocation started makes no remote call after its deadline (../invocation-deadline.ts).
    try {
      return await withinInvocationDeadline(invocationDeadlineOf(context), () =>
        inSubsegment(service, `## ${service}.handler`, {}, () => {
          tracer.annotateColdStart();
          return consumeBatch(
            event,
            {
              handlers,
              idempotency,
              deadLetters,
              logger: log,
              onOutcome,
              aroundRecord,
              ...(wiring.concurrency ? { concurrency: wiring.concurrency } : {}),
              ...(wiring.now ? { now: wiring.now } : {}),
            },
            context,
          );
        }),
      );
    } finally {
      flushMetrics(metrics);
    }
  };
}

function recordScope(instruments: Instruments, now: () => number): AroundRecord {
  const { metrics, service } = instruments;
  return ({ event }, process) => {
    const keys = event ? eventKeys(event) : {};
    return recordKeys.run(keys, async () => {
      const result = await inSubsegment(
        service,
        `### ${event?.type ?? 'invalid record'}`,
        { [TRACE_ANNOTATIONS.eventType]: event?.type, [TRACE_ANNOTATIONS.orderId]: keys[LOG_KEYS.orderId] },
        process,
      );
      if (result === 'handled' && event) {
        const age = Math.max(0, now() - Date.parse(event.time));
        metrics.addMetric(METRICS.eventAgeMs, metricUnit(METRICS.eventAgeMs), age);
      }
      return result;
    });
  };
}

function eventKeys(event: CloudEvent): Record<string, string> {
  const orderId = (event.data as { orderId?: unknown } | undefined)?.orderId;
  return {
    [LOG_KEYS.correlationId]: event.correlationid,
    [LOG_KEYS.eventId]: event.id,
    [LOG_KEYS.eventType]: event.type,
    ...(typeof orderId === 'string' ? { [LOG_KEYS.orderId]: orderId } : {}),
  };
}
