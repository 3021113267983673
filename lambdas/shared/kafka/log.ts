/**
 * How kafkajs's own log lines reach the functions' logs: as kafkajs writes them (one JSON object per
 * line on the console, the namespace in front of the message), less the warnings the pipeline answers
 * by design. Every client gets it through ./connection.ts.
 */
import type { KafkaConfig } from './producer-driver';

type LogCreator = NonNullable<KafkaConfig['logCreator']>;

/**
 * kafkajs warns when an idempotent producer's retries are bounded, because a send that gives up and is
 * sent again later may be written twice. The publisher bounds them on purpose, so that a send fails
 * within the invocation rather than outliving it; the batch is then retried, its events keep their
 * ids, and every consumer drops an event id it has applied (docs/RELIABILITY.md). The warning would
 * otherwise open every cold start's log.
 */
export const ANSWERED_KAFKAJS_WARNINGS: ReadonlySet<string> = new Set([
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
]);

/** kafkajs's levels (its `logLevel`): ERROR 1, WARN 2, INFO 4, DEBUG 5. */
const WRITE_BY_LEVEL: Readonly<Record<number, (line: string) => void>> = {
  1: (line) => console.error(line),
  2: (line) => console.warn(line),
  4: (line) => console.info(line),
  5: (line) => console.log(line),
};

/** kafkajs's console log creator, without the warnings in ANSWERED_KAFKAJS_WARNINGS. */
export const pipelineKafkaLog: LogCreator =
  () =>
  ({ namespace, level, label, log }) => {
    if (label === 'WARN' && ANSWERED_KAFKAJS_WARNINGS.has(log.message)) return;
    const prefix = namespace ? `[${namespace}] ` : '';
    const line = JSON.stringify({ level: label, ...log, message: `${prefix}${log.message}` });
    WRITE_BY_LEVEL[level]?.(line);
  };
