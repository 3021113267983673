/**
 * A fix for kafkajs 2.2.4's request queue (one per broker connection), applied once to its class
 * by importing this module (./driver.ts and ./producer-driver.ts do).
 *
 * kafkajs re-checks its queue of waiting requests from a timer. Once a connection has had its first
 * answer, that timer re-arms itself for as long as the connection lives, whether or not a request
 * waits: with nothing throttled it computes its delay as `throttledUntil - Date.now()`, and
 * `throttledUntil` starts at -1, so the delay is minus the epoch time, which Node.js turns into
 * 1 ms. Every connection therefore wakes the process about 800 times a second (one queue alone
 * took 50-60 ms of CPU a second on this project's machine, Node 20 and 24), and Node.js 23 and
 * later also print a `TimeoutNegativeWarning` once per process, which on Lambda's nodejs24.x lands
 * in the function's log at every cold start (kafkajs issue #1751, unfixed upstream; kafkajs is
 * unmaintained).
 *
 * Here the timer runs only while a request waits, at kafkajs's own interval or at the end of a
 * broker-imposed throttle. Nothing else needs it: a request that arrives while the queue cannot send
 * arms the timer itself (`push`), and every answer and every timed-out request re-checks the queue.
 */
/// <reference path="./kafkajs-internals.d.ts" />
import RequestQueue from 'kafkajs/src/network/requestQueue/index.js';

/** kafkajs's CHECK_PENDING_REQUESTS_INTERVAL (src/network/requestQueue/index.js). */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/** kafkajs's own method, kept for the test that shows why it is replaced. */
export const kafkajsScheduleCheckPendingRequests = RequestQueue.prototype.scheduleCheckPendingRequests;

function scheduleCheckPendingRequests(this: RequestQueue): void {
  if (this.throttleCheckTimeoutId !== null || this.pending.length === 0) return;
  const throttledForMs = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttledForMs > 0 ? throttledForMs : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
}

RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
