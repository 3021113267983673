/**
 * dynalite in its own process (local/dynamo-process.ts), as `npm start` runs it: it answers the
 * DynamoDB API, keeps its tables in the folder across restarts, refuses a busy port naming the
 * setting to change, and leaves no process behind when stopped.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoProcess } from '../../local/dynamo-process';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const REPO_ROOT = join(__dirname, '..', '..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once `check` holds, polling; rejects after `limitMs` (a bound, not a timing assertion). */
async function eventually(check: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function tableNames(endpoint: string): Promise<string[]> {
  const client = new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials });
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    client.destroy();
  }
}

describe('DynamoProcess', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dynamo-process-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the DynamoDB API from a child process, keeps its tables in the folder and exits on stop', async () => {
    const first = new DynamoProcess({ dir, port: 0 });
    await first.start();
    const pid = first.pid as number;
    expect(pid).not.toBe(process.pid);
    expect(first.port).toBeGreaterThan(0);
    const client = new DynamoDBClient({ endpoint: first.endpoint, region: 'eu-west-1', credentials });
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'kept',
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } finally {
      client.destroy();
    }
    await first.stop();
    expect(alive(pid)).toBe(false);
    expect(first.pid).toBeUndefined();

    const second = new DynamoProcess({ dir, port: 0 });
    await second.start();
    try {
      expect(await tableNames(second.endpoint)).toEqual(['kept']);
    } finally {
      await second.stop();
    }
  });

  it('exits when the process that started it is killed, so no orphan keeps the folder locked', async () => {
    // A runtime killed outright (SIGKILL: no stop(), no exit handlers) is the case to prove.
    const code = `
      const { DynamoProcess } = require('./local/dynamo-process.ts');
      const dynamo = new DynamoProcess({ port: 0, dir: ${JSON.stringify(dir)} });
      dynamo.start().then(() => console.log(String(dynamo.pid)));`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '-e', code], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const stdout = parent.stdout;
    if (!stdout) throw new Error('no stdout');
    const childPid = Number(
      await new Promise<string>((resolve) => createInterface({ input: stdout }).once('line', resolve)),
    );
    expect(alive(childPid)).toBe(true);
    parent.kill('SIGKILL');
    await eventually(() => !alive(childPid), `dynalite's process ${childPid} to exit after its parent was killed`);

    // The folder is free again: a new process opens the same LevelDB store.
    const next = new DynamoProcess({ dir, port: 0 });
    await next.start();
    try {
      expect(await tableNames(next.endpoint)).toEqual([]);
    } finally {
      await next.stop();
    }
  });

  it('refuses a busy port, naming DYNAMODB_PORT', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      await expect(new DynamoProcess({ dir, port }).start()).rejects.toThrow(
        `Port ${port} is already in use; set DYNAMODB_PORT to a free port.`,
      );
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
