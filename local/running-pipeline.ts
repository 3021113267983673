/**
 * How the local tools (npm run invoke, npm run produce) find a pipeline that `npm start` is running:
 * the runtime writes where its broker, DynamoDB API and API listen to `<local dir>/runtime.json`
 * while it runs, and removes it when it stops. A file left by a process that died is ignored.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen } from './kafka-broker';

export interface RunningPipeline {
  readonly pid: number;
  readonly bootstrapServers: string;
  readonly dynamoEndpoint: string;
  readonly apiUrl: string;
}

function stateFile(dir: string): string {
  return join(dir, 'runtime.json');
}

export function announcePipeline(dir: string, pipeline: RunningPipeline): void {
  writeFileSync(stateFile(dir), `${JSON.stringify(pipeline, null, 2)}\n`);
}

/** Removes the file if this process wrote it (another runtime may have taken the folder since). */
export function withdrawPipeline(dir: string, pid: number = process.pid): void {
  try {
    const current = JSON.parse(readFileSync(stateFile(dir), 'utf8')) as Partial<RunningPipeline>;
    if (current.pid === pid) rmSync(stateFile(dir), { force: true });
  } catch {
    // No file, or not ours to judge: nothing to withdraw.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pipeline `npm start` runs on this folder, if its process is alive and its broker answers. */
export async function findRunningPipeline(dir: string): Promise<RunningPipeline | undefined> {
  let pipeline: RunningPipeline;
  try {
    pipeline = JSON.parse(readFileSync(stateFile(dir), 'utf8')) as RunningPipeline;
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pipeline.pid) || !alive(pipeline.pid)) return undefined;
  const [host, port] = pipeline.bootstrapServers.split(',')[0]?.split(':') ?? [];
  if (!host || !(await portOpen(Number(port), host))) return undefined;
  return pipeline;
}
