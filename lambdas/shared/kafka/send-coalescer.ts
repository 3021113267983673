/**
 * One send for many callers. Records of a batch run concurrently, and each awaits the broker's
 * acknowledgement of the events it caused before it counts as done; sending each record's events
 * on its own would cost a round trip per record. Here a send starts as soon as nothing else is
 * being sent (after the current turn of the event loop, so the callers of one turn share it), and
 * whatever arrives while it is in flight waits for it to end and then goes as one send. Each caller
 * learns the outcome of the send that carried its messages: acknowledged, or the error.
 *
 * A coalesced send stays under `maxBytes` of message values (a topic's max.message.bytes applies to
 * the batch of one partition), so many small sends never add up to one the broker refuses; a
 * single message bigger than that still goes, alone.
 */

export interface TopicMessages<M> {
  readonly topic: string;
  readonly messages: readonly M[];
}

interface Waiting<M> {
  readonly batch: readonly TopicMessages<M>[];
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class SendCoalescer<M> {
  private readonly waiting: Waiting<M>[] = [];
  private busy = false;

  constructor(
    private readonly sendNow: (batch: TopicMessages<M>[]) => Promise<void>,
    private readonly sizeOf: (message: M) => number,
    private readonly maxBytes: number,
  ) {}

  /** Resolves once the broker acknowledged the send that carried `batch`; rejects with its error. */
  send(batch: readonly TopicMessages<M>[]): Promise<void> {
    const bytes = batch.reduce((sum, t) => sum + t.messages.reduce((n, m) => n + this.sizeOf(m), 0), 0);
    return new Promise((resolve, reject) => {
      this.waiting.push({ batch, bytes, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const carried = this.take();
      try {
        await this.sendNow(merge(carried.map((w) => w.batch)));
        for (const w of carried) w.resolve();
      } catch (error) {
        for (const w of carried) w.reject(error);
      }
    }
    this.busy = false;
  }

  /** The callers the next send carries: in arrival order, up to maxBytes (at least one). */
  private take(): Waiting<M>[] {
    let bytes = 0;
    let count = 0;
    for (const w of this.waiting) {
      if (count > 0 && bytes + w.bytes > this.maxBytes) break;
      bytes += w.bytes;
      count++;
    }
    return this.waiting.splice(0, count);
  }
}

/** One entry per topic, messages in the order their callers sent them. */
function merge<M>(batches: readonly (readonly TopicMessages<M>[])[]): TopicMessages<M>[] {
  const byTopic = new Map<string, M[]>();
  for (const batch of batches) {
    for (const { topic, messages } of batch) byTopic.set(topic, [...(byTopic.get(topic) ?? []), ...messages]);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
