/** Messages between the AWS model (run-model.ts) and a function's worker process (worker.ts). */
import type { LatencyProfile } from './latency';
import type { CallCounts, PaddingStats } from './remote-calls';
import type { WaitTotals } from './wait-ledger';

export interface InvokeRequest {
  readonly id: number;
  /** The event as the Lambda service sends it to the runtime: JSON. */
  readonly event: string;
  /** Modelled round trips for this invocation; null runs at local speed. */
  readonly latency: LatencyProfile | null;
}

export type InvokeReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly wallMs: number;
      readonly cpuMs: number;
      /** The event loop's idle time over the invocation, split by the wait ledger. */
      readonly waits: WaitTotals;
      readonly response: string;
      readonly counts: CallCounts;
      readonly padding: PaddingStats;
    }
  | { readonly id: number; readonly ok: false; readonly error: string };

export type WorkerMessage =
  | {
      readonly kind: 'ready';
      readonly timerLatenessMs: number;
      readonly tracingEnabled: boolean;
    }
  | InvokeReply;

export const WORKER_SERVICE_ENV = 'AWS_MODEL_SERVICE';
