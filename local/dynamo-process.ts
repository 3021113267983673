/**
 * dynalite in a child process of its own. On AWS DynamoDB is a service, not part of the function's
 * process; locally, running it beside the handlers put its request parsing and LevelDB work on the
 * same thread as every handler and trigger emulator, so the pipeline could use only one of the
 * machine's cores. The parent starts and stops it (`npm start` stays one command) and can read its
 * CPU time by pid.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { LocalSetupError, portOpen } from './kafka-broker';

/** What the child tells its parent once, over the IPC channel. */
export type DynamoChildMessage =
  | { readonly kind: 'listening'; readonly port: number }
  | { readonly kind: 'failed'; readonly message: string };

/** How long a stopping child may take to close its store before it is killed. */
const STOP_GRACE_MS = 10_000;

export class DynamoProcess {
  private child?: ChildProcess;
  private listeningPort?: number;

  constructor(private readonly options: { readonly dir?: string; readonly port: number }) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get port(): number {
    return this.listeningPort ?? this.options.port;
  }

  /** The child's pid while it runs (its CPU time is DynamoDB's, not the handlers'). */
  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  async start(): Promise<void> {
    if (this.options.port !== 0 && (await portOpen(this.options.port))) {
      throw new LocalSetupError(`Port ${this.options.port} is already in use; set DYNAMODB_PORT to a free port.`);
    }
    // Run from source like the parent; the parent's own flags (--cpu-prof, --inspect) stay its own.
    const child = fork(join(__dirname, 'dynamo-child.ts'), [String(this.options.port), this.options.dir ?? ''], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    this.listeningPort = await new Promise<number>((resolve, reject) => {
      const exited = (code: number | null) =>
        reject(new LocalSetupError(`dynalite's process exited (code ${code}) before listening.`));
      child.once('exit', exited);
      child.once('error', reject);
      child.once('message', (message: DynamoChildMessage) => {
        child.off('exit', exited);
        if (message.kind === 'listening') resolve(message.port);
        else reject(new LocalSetupError(`dynalite did not start: ${message.message}`));
      });
    });
  }

  /** Closes the IPC channel (the child then closes its store and exits); kills it if it hangs. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.connected) child.disconnect();
    else child.kill();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
}
