/**
 * The invocation's deadline, carried in its async context, and an SDK middleware that refuses a
 * remote call once that deadline has passed.
 *
 * Lambda stops a function that outlives its timeout; work it had started never makes another call.
 * The same guarantee, kept by the function itself, matters in two places: the local trigger
 * emulator, which cannot freeze a timed-out handler (it only stops waiting for it), and any code
 * path that would otherwise keep queueing requests for an invocation whose answer nobody reads.
 * Without it a slow moment feeds on itself: timed-out attempts keep their calls queued behind the
 * retries', the retries time out in turn, and the queue grows without bound.
 *
 * The check runs before each attempt (after the SDK's retry middleware), so a call already on the
 * wire finishes, and one started after the deadline fails at once with a named error.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const deadlines = new AsyncLocalStorage<number>();

export class InvocationDeadlinePassedError extends Error {
  constructor(overdueMs: number) {
    super(`the invocation's deadline passed ${overdueMs} ms ago: Lambda has stopped it, so it makes no more calls`);
    this.name = 'InvocationDeadlinePassedError';
  }
}

/** Runs `work` with calls refused after `deadline` (epoch ms): the invocation's end, from its context. */
export function withinInvocationDeadline<T>(deadline: number, work: () => T): T {
  return deadlines.run(deadline, work);
}

/** The invocation's end (epoch ms) from its Lambda context; without a context, none. */
export function invocationDeadlineOf(context: { getRemainingTimeInMillis?: () => number } | undefined): number {
  const remaining = context?.getRemainingTimeInMillis?.();
  return remaining === undefined ? Number.POSITIVE_INFINITY : Date.now() + remaining;
}

/** Throws if the current invocation's deadline has passed; outside an invocation, never. */
export function assertBeforeInvocationDeadline(now: number = Date.now()): void {
  const deadline = deadlines.getStore();
  if (deadline !== undefined && now >= deadline) throw new InvocationDeadlinePassedError(now - deadline);
}

interface MiddlewareStackLike {
  add(
    middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
    options: { step: 'finalizeRequest'; priority: 'low'; name: string },
  ): void;
}

/** Adds the deadline check to an AWS SDK v3 client (each attempt, after the retry middleware). */
export function refuseCallsPastInvocationDeadline<C extends { middlewareStack: unknown }>(client: C): C {
  (client.middlewareStack as MiddlewareStackLike).add(
    (next) => async (args) => {
      assertBeforeInvocationDeadline();
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'refuseCallsPastInvocationDeadline' },
  );
  return client;
}
