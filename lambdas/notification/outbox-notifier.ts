/**
 * The local runtime's adapter: instead of SNS, each message becomes one JSON line in
 * `<dir>/outbox.jsonl` and one readable line on the console, so a developer can see (and a test can
 * read) what the pipeline would have sent.
 *
 * Unlike SNS, the outbox can hold to exactly once: before appending, it looks for a line with the
 * same message id, which a crash between the append and the end of the handler leaves behind. It
 * keeps the ids it has read and, before each append, reads only what was written to the file since
 * (by itself, an earlier process or another instance): reading the whole file every time made each
 * notification cost in proportion to the notifications before it.
 */
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Channel, NotificationMessage, Notifier, SendResult, Template } from './notifier';

export const OUTBOX_FILE = 'outbox.jsonl';

export interface OutboxEntry {
  readonly messageId: string;
  readonly sentAt: string;
  readonly channel: Channel;
  readonly template: Template;
  readonly recipient: string;
  readonly subject: string;
  readonly body: string;
}

export interface OutboxOptions {
  readonly dir: string;
  /** Where the readable line goes; the console unless a test wants it. */
  readonly print?: (line: string) => void;
  readonly now?: () => Date;
}

/** Every complete entry of an outbox file, oldest first; none if the file does not exist yet. */
export async function readOutbox(file: string): Promise<OutboxEntry[]> {
  return parseOutbox(await readIfExists(file));
}

export class OutboxNotifier implements Notifier {
  readonly file: string;
  private readonly print: (line: string) => void;
  private readonly now: () => Date;
  /** The check-then-append must not interleave when partitions are handled concurrently. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Message ids of the complete lines before `indexedBytes`. */
  private readonly ids = new Set<string>();
  private indexedBytes = 0;

  constructor(private readonly options: OutboxOptions) {
    this.file = join(options.dir, OUTBOX_FILE);
    this.print = options.print ?? ((line) => console.log(line));
    this.now = options.now ?? (() => new Date());
  }

  send(message: NotificationMessage): Promise<SendResult> {
    const result = this.tail.then(() => this.append(message));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async append(message: NotificationMessage): Promise<SendResult> {
    await mkdir(this.options.dir, { recursive: true });
    const { unterminated } = await this.catchUp();
    const inTail = parseOutbox(unterminated).some((entry) => entry.messageId === message.messageId);
    if (inTail || this.ids.has(message.messageId)) {
      return { status: 'duplicate', transportMessageId: message.messageId };
    }
    const entry: OutboxEntry = {
      messageId: message.messageId,
      sentAt: this.now().toISOString(),
      channel: message.channel,
      template: message.template,
      recipient: message.recipient,
      subject: message.subject,
      body: message.body,
    };
    // A crash mid-append can leave a line without its newline; start on a fresh line so the new
    // entry is not glued to the broken one.
    const separator = unterminated.length > 0 ? '\n' : '';
    await appendFile(this.file, `${separator}${JSON.stringify(entry)}\n`, 'utf8');
    this.print(`[outbox] ${entry.channel} ${entry.template} to ${entry.recipient}: ${oneLine(entry.subject)}`);
    return { status: 'sent', transportMessageId: message.messageId };
  }

  /**
   * Indexes the complete lines written since the last call, and returns what follows the last
   * newline: a line still being written, or one a crash tore (which may still parse: the crash
   * came just before its newline). A file that shrank was replaced (`npm run local:reset`): it is
   * indexed anew.
   */
  private async catchUp(): Promise<{ unterminated: string }> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.ids.clear();
      this.indexedBytes = 0;
      return { unterminated: '' };
    }
    try {
      const { size } = await handle.stat();
      if (size < this.indexedBytes) {
        this.ids.clear();
        this.indexedBytes = 0;
      }
      const fresh = Buffer.alloc(size - this.indexedBytes);
      if (fresh.length > 0) await handle.read(fresh, 0, fresh.length, this.indexedBytes);
      const complete = fresh.lastIndexOf(0x0a) + 1;
      for (const entry of parseOutbox(fresh.toString('utf8', 0, complete))) this.ids.add(entry.messageId);
      this.indexedBytes += complete;
      return { unterminated: fresh.toString('utf8', complete) };
    } finally {
      await handle.close();
    }
  }
}

async function readIfExists(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** Lines that do not parse (a torn write) are not entries: that message was never fully written. */
function parseOutbox(text: string): OutboxEntry[] {
  const entries: OutboxEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed = JSON.parse(line) as Partial<OutboxEntry>;
      if (typeof parsed.messageId === 'string') entries.push(parsed as OutboxEntry);
    } catch {
      // skipped, see above
    }
  }
  return entries;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
