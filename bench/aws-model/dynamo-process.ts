/**
 * dynalite in a process of its own, so its CPU never counts as the function's (the AWS model measures
 * the function's process). In memory: nothing outlives the run. Prints its endpoint once listening.
 */
import { DynamoServer } from '../../local/dynamo-server';

const server = new DynamoServer({ port: 0 });
server
  .start()
  .then(() => {
    process.stdout.write(`${server.endpoint}\n`);
    process.on('disconnect', () => process.exit(0));
  })
  .catch((error: unknown) => {
    process.stderr.write(`dynalite did not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
