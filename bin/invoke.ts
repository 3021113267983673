#!/usr/bin/env node
/**
 * `npm run invoke -- <function> <event file|-> [--json]`: runs one function once and prints its
 * response, its log lines and the records it published. Uses the broker and tables of the pipeline
 * `npm start` runs; when none runs, starts the local broker and dynalite for the call and stops
 * them after (their state is the same `.local/` that `npm start` uses).
 */
import '../local/tracing-off';
import { disconnectSharedProducers } from '../lambdas/shared/kafka/kafka-handler';
import { loadConfig } from '../lib/config';
import { configureHandlerEnvironment, LocalInfrastructure } from '../local/infrastructure';
import { formatReport, INVOKE_USAGE, invokeFunction, prepareEvent, requireFunction } from '../local/invoke-function';
import { LocalSetupError } from '../local/kafka-broker';
import { localDir } from '../local/paths';
import { findRunningPipeline } from '../local/running-pipeline';
import { LOCAL_PROFILE } from '../local/runtime';
import { port, readInput, ToolUsageError } from '../local/tool-cli';

const progress = (line: string) => process.stderr.write(`${line}\n`);

function parseArgs(args: readonly string[]): { service: string | undefined; source: string; json: boolean } {
  const json = args.includes('--json');
  const unknown = args.filter((arg) => arg.startsWith('--') && arg !== '--json');
  if (unknown.length > 0) throw new ToolUsageError(`Unknown option ${unknown.join(' ')}.\n${INVOKE_USAGE}`);
  const [service, source, ...extra] = args.filter((arg) => arg !== '--json');
  if (source === undefined || extra.length > 0) throw new ToolUsageError(INVOKE_USAGE);
  return { service, source, json };
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(INVOKE_USAGE);
    return 0;
  }
  const { service: name, source, json } = parseArgs(args);
  const service = requireFunction(name);
  const input = readInput(source);
  let payload: unknown;
  try {
    payload = JSON.parse(input);
  } catch (error) {
    throw new ToolUsageError(`${source === '-' ? 'stdin' : source} is not JSON: ${(error as Error).message}`);
  }

  const dir = localDir();
  const pipeline = await findRunningPipeline(dir);
  const kafkaPort = port('KAFKA_PORT', 9092);
  // Checked before anything starts, so a wrong event costs no broker start.
  const prepared = prepareEvent(service, payload, pipeline?.bootstrapServers ?? `127.0.0.1:${kafkaPort}`);
  for (const warning of prepared.warnings) progress(`Warning: ${warning}`);

  let infrastructure: LocalInfrastructure | undefined;
  try {
    if (pipeline) {
      progress(
        `Using the pipeline npm start runs (pid ${pipeline.pid}): Kafka ${pipeline.bootstrapServers}, DynamoDB ${pipeline.dynamoEndpoint}.`,
      );
      configureHandlerEnvironment({
        bootstrapServers: pipeline.bootstrapServers,
        dynamoEndpoint: pipeline.dynamoEndpoint,
        dir,
        jsonLogs: true,
      });
    } else {
      progress('No pipeline running (npm start): starting the local broker and dynalite for this call...');
      infrastructure = new LocalInfrastructure({
        dir,
        config: loadConfig(LOCAL_PROFILE),
        kafkaPort,
        dynamoPort: port('DYNAMODB_PORT', 8000),
        jsonLogs: true,
        log: progress,
      });
      await infrastructure.start();
    }
    const report = await invokeFunction(service, prepared.event);
    console.log(json ? JSON.stringify(report, null, 2) : formatReport(report, prepared.description));
    return report.error ? 1 : 0;
  } finally {
    await disconnectSharedProducers();
    await infrastructure?.stop();
  }
}

main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    if (error instanceof ToolUsageError) {
      console.error(error.message);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof LocalSetupError ? `Cannot start the local pipeline: ${error.message}` : error);
    process.exitCode = 1;
  });
