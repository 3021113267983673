/** dynalite (a DynamoDB API on LevelDB) on a loopback port, its data under the local folder. */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { LocalSetupError, portOpen } from './kafka-broker';

// dynalite ships no types.
const dynalite = require('dynalite') as (options: Record<string, unknown>) => {
  listen(port: number, host: string, callback: () => void): void;
  address(): AddressInfo;
  close(callback: (error?: Error) => void): void;
  once(event: 'error', listener: (error: Error) => void): void;
};

export class DynamoServer {
  private server?: ReturnType<typeof dynalite>;

  constructor(private readonly options: { readonly dir?: string; readonly port: number }) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get port(): number {
    return this.server?.address().port ?? this.options.port;
  }

  async start(): Promise<void> {
    if (this.options.port !== 0 && (await portOpen(this.options.port))) {
      throw new LocalSetupError(`Port ${this.options.port} is already in use; set DYNAMODB_PORT to a free port.`);
    }
    if (this.options.dir) mkdirSync(this.options.dir, { recursive: true });
    const server = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(this.options.dir ? { path: this.options.dir } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
