#!/usr/bin/env node
/**
 * `npm run produce -- <topic> [--key K] [--header name=value]... [file|-]`: one raw record on a topic
 * of the local broker. `--event <Type> [data file|-]`: a valid CloudEvent of that type (the type's
 * example data when no file is given). Uses the broker of the pipeline `npm start` runs, else
 * KAFKA_PORT.
 */
import { Kafka, logLevel } from '../lambdas/shared/kafka/driver';
import { localDir } from '../local/paths';
import { buildMessage, PRODUCE_USAGE, parseProduceArgs, produceMessage } from '../local/produce';
import { localBroker, readInput, ToolUsageError } from '../local/tool-cli';

async function main(args: string[]): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(PRODUCE_USAGE);
    return;
  }
  const request = parseProduceArgs(args);
  const message = buildMessage(request, request.source === undefined ? undefined : readInput(request.source));
  const broker = await localBroker(localDir());
  const kafka = new Kafka({ clientId: 'local-produce', brokers: [broker.bootstrapServers], logLevel: logLevel.ERROR });
  const produced = await produceMessage(kafka, request.topic, message);
  const value = message.value === null || message.value === undefined ? 0 : Buffer.byteLength(message.value);
  console.log(
    `Produced to ${produced.topic} partition ${produced.partition} at offset ${produced.offset} ` +
      `(key ${message.key === null || message.key === undefined ? 'none' : String(message.key)}, ${value} bytes` +
      `${request.event ? `, ${request.event}` : ''}) on ${broker.bootstrapServers}.`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ToolUsageError) {
    console.error(error.message);
    process.exitCode = 2;
    return;
  }
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
