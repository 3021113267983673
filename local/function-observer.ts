/**
 * What the local emulators report about each function invocation, for whoever watches the pipeline
 * (the Prometheus endpoint). The emulators only call it; they know nothing of metrics libraries.
 */
export interface InvocationOutcome {
  /** Time in the handler, as the emulator measured it. */
  readonly durationMs: number;
  /** The function threw, timed out or answered something its trigger could not use (Lambda's Errors). */
  readonly error: boolean;
  /** An invocation that carries records that already failed once (a retry or a bisected half). */
  readonly retry: boolean;
}

export interface FunctionObserver {
  invoked(outcome: InvocationOutcome): void;
  /** Records the trigger wrote to the function's dead-letter topic. */
  deadLettered(records: number): void;
}
