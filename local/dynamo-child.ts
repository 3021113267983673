/**
 * The entry of dynalite's own process (./dynamo-process.ts): starts the server on the port and
 * folder it is given and tells its parent where it listens, over the IPC channel. It exits when that
 * channel closes, however the parent ended, so a crashed `npm start` never leaves the LevelDB folder
 * locked by an orphan.
 */

import type { DynamoChildMessage } from './dynamo-process';
import { DynamoServer } from './dynamo-server';

const [port, dir] = process.argv.slice(2);
const server = new DynamoServer({ port: Number(port), ...(dir ? { dir } : {}) });

function tell(message: DynamoChildMessage): void {
  process.send?.(message);
}

// A Ctrl-C signals the terminal's whole process group, this process included. Its parent stops it
// (by closing the channel) after the handlers' last writes; stopping at once would fail them.
process.on('SIGINT', () => undefined);
process.on('disconnect', () => {
  void server.stop().finally(() => process.exit(0));
});
server
  .start()
  .then(() => tell({ kind: 'listening', port: server.port }))
  .catch((error: unknown) => {
    tell({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
    process.disconnect?.();
  });
