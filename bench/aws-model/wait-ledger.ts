/**
 * Which of a function's idle time (its event loop waiting, nothing to run) the model keeps, now that
 * the records of a batch run concurrently and their calls overlap.
 *
 * Each padded remote call has a window: from its start to its start plus the modelled latency. The
 * event loop's idle time (Node's `performance.eventLoopUtilization().idle`, time spent waiting for
 * I/O or a timer) is split, between two consecutive call starts or ends, into:
 *
 * - **modelled**: idle while at least one call in flight is still inside its window. On AWS the
 *   function would wait there too (for that call).
 * - **late**: idle while every call in flight is past its window: only a local server slower than
 *   the modelled round trip (dynalite or the broker, sharing a busy 2-core machine with many
 *   concurrent calls) keeps the function waiting. On AWS those calls would have answered; the model
 *   drops this time. Within one span the late part is its tail (the windows end inside it), and the
 *   function's CPU between two calls runs at the span's head (right after a call started or ended),
 *   so the late idle is taken as the smaller of the late tail and the span's idle.
 * - **no call**: idle with no call in flight (e.g. the turn before coalesced sends go). Kept, as
 *   modelled wait: it is small, and keeping it errs on the slow side.
 *
 * Sequential records (one call at a time) give exactly the old model: each call's window is its
 * modelled latency, and a call slower locally counts only up to its window.
 *
 * Pure over the readings it is given (time and cumulative idle, both in ms), so it is unit-tested
 * with made-up clocks; the worker feeds it `performance.now()` and the event loop's idle time.
 */

export interface LoopReading {
  /** Monotonic time, ms. */
  readonly now: number;
  /** The event loop's cumulative idle time, ms. */
  readonly idle: number;
}

export interface WaitTotals {
  /** Idle while a call was inside its modelled window: the wait the model keeps. */
  readonly modelledMs: number;
  /** Idle while every call in flight had outlived its window: local slowness, dropped. */
  readonly lateMs: number;
  /** Idle with no call in flight: kept in the model's wait (counted apart to show its size). */
  readonly noCallMs: number;
}

export class WaitLedger {
  private last: LoopReading;
  private readonly deadlines = new Map<number, number>();
  private nextId = 0;
  private modelledMs = 0;
  private lateMs = 0;
  private noCallMs = 0;

  constructor(private readonly read: () => LoopReading) {
    this.last = read();
  }

  /** A padded call starts; returns its token for `callEnded`. */
  callStarted(modelledLatencyMs: number): number {
    const reading = this.advance();
    const id = this.nextId++;
    this.deadlines.set(id, reading.now + modelledLatencyMs);
    return id;
  }

  /** The call (padding included) is over. */
  callEnded(id: number): void {
    this.advance();
    this.deadlines.delete(id);
  }

  /** The totals so far (the span since the last call event included). */
  totals(): WaitTotals {
    this.advance();
    return { modelledMs: this.modelledMs, lateMs: this.lateMs, noCallMs: this.noCallMs };
  }

  /** Books the idle time since the last reading, then moves to now. */
  private advance(): LoopReading {
    const reading = this.read();
    const idle = Math.max(0, reading.idle - this.last.idle);
    if (this.deadlines.size === 0) {
      this.noCallMs += idle;
    } else {
      const latestDeadline = Math.max(...this.deadlines.values());
      const lateTail = Math.max(0, reading.now - Math.max(this.last.now, latestDeadline));
      const late = Math.min(lateTail, idle);
      this.lateMs += late;
      this.modelledMs += idle - late;
    }
    this.last = reading;
    return reading;
  }
}
