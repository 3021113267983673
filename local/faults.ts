/**
 * The fault-injection seam of the local runtime, for the reliability suite
 * (test/integration/faults.test.ts). `npm start` never sets it, and without it the runtime runs
 * the handler modules exactly as they are.
 *
 * It works around the function, as the world around Lambda would misbehave: it may call the real
 * handler twice, on part of a batch, late, or not at all, and throw instead of answering. It never
 * reaches into a handler's code.
 */
import type { Context } from 'aws-lambda';
import type { MskEvent } from '../lambdas/shared/kafka/msk-event';
import type { ConsumerServiceName, Domain } from '../lib/topology';

export type KafkaLambdaHandler = (event: MskEvent, context: Context) => Promise<unknown>;

export interface TriggerTarget {
  readonly service: ConsumerServiceName;
  readonly domain: Domain;
}

export interface FaultInjection {
  /** Wraps the function behind one subscription's trigger; called each time the triggers start. */
  wrapHandler(target: TriggerTarget, handler: KafkaLambdaHandler): KafkaLambdaHandler;
  /** Function timeout of every trigger instead of the topology's (read each time the triggers start). */
  timeoutSeconds?: number;
}
