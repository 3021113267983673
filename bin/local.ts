#!/usr/bin/env node
/**
 * `npm start`: the whole pipeline on this machine. `npm run local:reset`: wipe its state.
 * Run `npm start -- --help` for the options.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { helpText } from '../local/help';
import { LocalSetupError } from '../local/kafka-broker';
import { nodeVersionWarning } from '../local/node-version';
import { localDir } from '../local/paths';
import { LocalRuntime } from '../local/runtime';
import { sampleOrderRequest } from '../local/samples';
import { colourEnabled } from '../local/terminal';
import { port } from '../local/tool-cli';

function reset(dir: string): void {
  for (const part of ['kafka', 'dynamodb', 'outbox']) rmSync(join(dir, part), { recursive: true, force: true });
  console.log(`Local state deleted from ${dir} (the Kafka download is kept).`);
}

// Started outside npm on an older Node.js, the AWS SDK warns on every start that releases after
// January 2027 need Node 22. The functions run Node 24 on AWS, and `npm start` warns itself about
// the Node.js it runs on (local/node-version.ts), so keep the SDK's notice off the console.
const defaultWarningListeners = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  // The SDK emits it as a plain Warning whose message starts with the notice's name.
  if (warning.message.startsWith('NodeVersionSupportWarning')) return;
  for (const listener of defaultWarningListeners) listener(warning);
});

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(helpText());
    return;
  }
  const dir = localDir();
  if (args[0] === 'reset') {
    reset(dir);
    return;
  }
  const unknown = args.filter((a) => a !== '--json' && a !== '--no-watch');
  if (unknown.length > 0) throw new LocalSetupError(`Unknown option ${unknown.join(' ')}; see npm start -- --help.`);

  const versionWarning = nodeVersionWarning();
  if (versionWarning) console.warn(`Warning: ${versionWarning}`);
  const apiPort = port('PORT', 3000);
  const runtime = new LocalRuntime({
    dir,
    apiPort,
    kafkaPort: port('KAFKA_PORT', 9092),
    // A Ctrl-C signals the terminal's whole process group: the broker must not stop before the
    // consumers have committed, so it leaves the group and this process stops it last.
    brokerOwnProcessGroup: true,
    dynamoPort: port('DYNAMODB_PORT', 8000),
    jsonLogs: args.includes('--json'),
    ...(args.includes('--no-watch') ? {} : { watch: {} }),
    colour: colourEnabled(process.env, process.stdout.isTTY),
    log: (line) => console.log(line),
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the pipeline (committing offsets, stopping Kafka)...`);
    runtime
      .stop()
      .then(() => {
        console.log('Stopped. Nothing is left running.');
        process.exit(0);
      })
      .catch((error: unknown) => {
        console.error('Stopping failed:', error);
        process.exit(1);
      });
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  // A closed terminal: the broker, in a group of its own, would not hear it, so stop it from here.
  process.once('SIGHUP', () => shutdown('SIGHUP'));

  try {
    await runtime.start();
  } catch (error) {
    await runtime.stop().catch(() => undefined);
    throw error;
  }
  const api = runtime.apiUrl;
  console.log(`
Pipeline ready: API on ${api} (Ctrl-C stops everything)
  console  ${runtime.consoleUrl}   (topology, lag, latest events, order timelines)
  metrics  ${runtime.metricsUrl}   (Prometheus)

  curl -s -X POST ${api}/orders -H 'content-type: application/json' -d '${JSON.stringify(sampleOrderRequest())}'
  curl -s ${api}/orders/<orderId>
`);
}

main().catch((error: unknown) => {
  if (error instanceof LocalSetupError) {
    console.error(`\nCannot start the local pipeline: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
