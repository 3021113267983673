/**
 * One function's code while `npm start` reloads it: every invocation goes to the version loaded
 * when it starts and stays there, so a batch in flight finishes on the code it began with; a new
 * version takes the next invocations; an old version is disposed (its producer disconnected) once
 * its last invocation has finished.
 */
export interface LoadedVersion<H extends (...args: never[]) => Promise<unknown>> {
  readonly handler: H;
  /** Releases what the version holds for its execution environment (its Kafka producer). */
  readonly dispose: () => Promise<void>;
  /** A label for log lines, e.g. the bundle it came from. */
  readonly label: string;
}

interface Tracked<H extends (...args: never[]) => Promise<unknown>> {
  readonly version: LoadedVersion<H>;
  inFlight: number;
  retired: boolean;
  disposed?: Promise<void>;
}

export class HandlerSlot<H extends (...args: never[]) => Promise<unknown>> {
  private current: Tracked<H>;
  private readonly retiring = new Set<Tracked<H>>();

  constructor(
    first: LoadedVersion<H>,
    private readonly onDisposeError: (label: string, error: unknown) => void = () => undefined,
  ) {
    this.current = { version: first, inFlight: 0, retired: false };
  }

  /** The function to hand to a trigger: it always calls the version current at the call. */
  readonly invoke = ((...args: Parameters<H>) => {
    const tracked = this.current;
    tracked.inFlight++;
    return Promise.resolve()
      .then(() => tracked.version.handler(...args))
      .finally(() => {
        tracked.inFlight--;
        if (tracked.retired && tracked.inFlight === 0) this.dispose(tracked);
      });
  }) as unknown as H;

  get label(): string {
    return this.current.version.label;
  }

  /** Invocations of versions that have been replaced and are still running. */
  get draining(): number {
    let count = 0;
    for (const tracked of this.retiring) count += tracked.inFlight;
    return count;
  }

  /** Makes `next` current; the previous version is disposed as soon as nothing runs on it. */
  swap(next: LoadedVersion<H>): void {
    const previous = this.current;
    this.current = { version: next, inFlight: 0, retired: false };
    previous.retired = true;
    this.retiring.add(previous);
    if (previous.inFlight === 0) this.dispose(previous);
  }

  /** Disposes every version, waiting for nothing: the runtime calls it after its triggers stopped. */
  async close(): Promise<void> {
    this.current.retired = true;
    this.retiring.add(this.current);
    await Promise.all([...this.retiring].map((tracked) => this.dispose(tracked)));
  }

  private dispose(tracked: Tracked<H>): Promise<void> {
    tracked.disposed ??= tracked.version
      .dispose()
      .catch((error: unknown) => this.onDisposeError(tracked.version.label, error))
      .finally(() => this.retiring.delete(tracked));
    return tracked.disposed;
  }
}
