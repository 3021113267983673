/**
 * What the local tools (npm run invoke, npm run produce) share: usage errors that say what is valid,
 * input from a file or stdin, and the local broker they talk to.
 */
import { readFileSync } from 'node:fs';
import type { LocalEnvVar } from './help';
import { LocalSetupError, portOpen } from './kafka-broker';
import { findRunningPipeline, type RunningPipeline } from './running-pipeline';

/** A mistake in the command line: printed without a stack trace, exit code 2. */
export class ToolUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolUsageError';
  }
}

/** The text of a file, or of stdin for `-`. */
export function readInput(source: string): string {
  try {
    return readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (error) {
    throw new ToolUsageError(`Cannot read ${source === '-' ? 'stdin' : source}: ${(error as Error).message}`);
  }
}

export interface LocalBroker {
  readonly bootstrapServers: string;
  /** The pipeline `npm start` runs, when that is where the broker comes from. */
  readonly pipeline?: RunningPipeline;
}

/** The running pipeline's broker, else one on KAFKA_PORT (default 9092); an error when neither answers. */
export async function localBroker(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<LocalBroker> {
  const pipeline = await findRunningPipeline(dir);
  if (pipeline) return { bootstrapServers: pipeline.bootstrapServers, pipeline };
  const kafkaPort = port('KAFKA_PORT', 9092, env);
  if (await portOpen(kafkaPort)) return { bootstrapServers: `127.0.0.1:${kafkaPort}` };
  throw new ToolUsageError(
    `No Kafka broker on 127.0.0.1:${kafkaPort} and no pipeline running in ${dir}. Start one with npm start (KAFKA_PORT chooses the port).`,
  );
}

/** A port from the environment variable `name` (one `npm start -- --help` lists), else `fallback`. */
export function port(name: LocalEnvVar, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new LocalSetupError(`${name} must be a port number from 1 to 65535, not "${raw}".`);
  }
  return value;
}
