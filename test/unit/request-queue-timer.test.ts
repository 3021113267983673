/**
 * kafkajs's request queue, as ./lambdas/shared/kafka/request-queue-timer.ts mends it: its timer runs
 * only while a request waits. Fake timers count what the queue schedules; the queue is kafkajs's own
 * class (2.2.4, pinned: test/unit/producer-driver.test.ts).
 */
/// <reference path="../../lambdas/shared/kafka/kafkajs-internals.d.ts" />
// biome-ignore lint/style/noRestrictedImports: the test drives the very class the fix mends.
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';
import '../../lambdas/shared/kafka/driver';
import { kafkajsScheduleCheckPendingRequests } from '../../lambdas/shared/kafka/request-queue-timer';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function queue(maxInFlightRequests: number | null = null): RequestQueue {
  return new RequestQueue({
    instrumentationEmitter: null,
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'unit',
    broker: 'localhost:9092',
    logger: silent as never,
    isConnected: () => true,
  });
}

/** A request that records when it went on the wire. */
function request(correlationId: number, sent: number[]) {
  return {
    entry: {
      correlationId,
      apiKey: 1,
      apiName: 'Fetch',
      apiVersion: 11,
      resolve: () => undefined,
      reject: () => undefined,
    },
    expectResponse: true,
    sendRequest: () => sent.push(correlationId),
  };
}

function countChecks(q: RequestQueue): () => number {
  let checks = 0;
  const check = q.checkPendingRequests.bind(q);
  q.checkPendingRequests = () => {
    checks++;
    check();
  };
  return () => checks;
}

describe("kafkajs's request queue, mended", () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-30T12:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('is the mended one on every queue the driver modules make', () => {
    expect(RequestQueue.prototype.scheduleCheckPendingRequests).not.toBe(kafkajsScheduleCheckPendingRequests);
  });

  it("kafkajs's own method re-arms a 1 ms timer forever on an idle connection (why it is replaced)", () => {
    // Prepare: an idle queue, as after its first answer
    const q = queue();
    const checks = countChecks(q);
    q.scheduleCheckPendingRequests = kafkajsScheduleCheckPendingRequests;

    // Act
    q.scheduleCheckPendingRequests();
    jest.advanceTimersByTime(1_000);

    // Assess: about one wake-up a millisecond with nothing to send. Should kafkajs stop doing this,
    // this fails and the mend can go.
    expect(checks()).toBeGreaterThanOrEqual(900);
    q.destroy();
  });

  it('schedules nothing when no request waits, after an answer as before any', () => {
    // Prepare
    const q = queue();
    const checks = countChecks(q);
    const sent: number[] = [];
    q.push(request(1, sent));

    // Act: the answer makes the queue check itself once, directly
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    q.scheduleCheckPendingRequests();
    jest.advanceTimersByTime(1_000);

    // Assess
    expect(sent).toEqual([1]);
    expect(checks()).toBe(1);
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('sends a request held back by the in-flight limit when an answer frees a slot', () => {
    // Prepare
    const q = queue(1);
    const sent: number[] = [];
    q.push(request(1, sent));
    q.push(request(2, sent));
    expect(sent).toEqual([1]);

    // Act
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });

    // Assess
    expect(sent).toEqual([1, 2]);
    q.fulfillRequest({ correlationId: 2, payload: null, size: 0 });
    jest.advanceTimersByTime(1_000);
    expect(jest.getTimerCount()).toBe(0);
    q.destroy();
  });

  it("keeps checking at kafkajs's 10 ms while a request waits, and stops once none does", () => {
    // Prepare: a request waiting behind the in-flight limit
    const q = queue(1);
    const checks = countChecks(q);
    const sent: number[] = [];
    q.push(request(1, sent));
    q.push(request(2, sent));

    // Act
    jest.advanceTimersByTime(100);

    // Assess: the waiting request keeps the timer going at 10 ms, not 1 ms
    expect(checks()).toBe(10);
    expect(sent).toEqual([1]);
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    expect(sent).toEqual([1, 2]);
    const afterSend = checks();
    jest.advanceTimersByTime(100);
    expect(checks() - afterSend).toBeLessThanOrEqual(1);
    expect(jest.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('sends a request that arrived while the broker throttled the client when the throttle ends', () => {
    // Prepare: the broker asked for 250 ms of quiet
    const q = queue();
    const sent: number[] = [];
    q.maybeThrottle(250);

    // Act
    q.push(request(1, sent));
    jest.advanceTimersByTime(249);
    const during = [...sent];
    jest.advanceTimersByTime(1);

    // Assess
    expect(during).toEqual([]);
    expect(sent).toEqual([1]);
    q.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    jest.advanceTimersByTime(1_000);
    expect(jest.getTimerCount()).toBe(0);
    q.destroy();
  });
});
