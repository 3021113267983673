/**
 * `npm run bench:profile`: the end-to-end pipeline alone, for `node --cpu-prof`: where the time of
 * one process running every handler goes. Writes bench/.out/profiles/*.cpuprofile; summarise with
 * `tsx bench/cpu-profile-summary.ts <file>`.
 */
import { join } from 'node:path';
import { KafkaBroker } from '../local/kafka-broker';
import { REPO_ROOT } from './bundles';
import { runPipeline } from './e2e-pipeline';

const OUT = join(REPO_ROOT, 'bench', '.out');
const KAFKA_PORT = Number(process.env.BENCH_KAFKA_PORT ?? 41200);

async function main(): Promise<void> {
  const broker = new KafkaBroker({
    dir: join(OUT, 'local', 'kafka'),
    port: KAFKA_PORT,
    controllerPort: KAFKA_PORT + 1,
  });
  await broker.start();
  try {
    const result = await runPipeline({
      dir: join(OUT, 'local', 'profile'),
      bootstrapServers: broker.bootstrapServers,
      brokerPid: broker.pid,
      warmupOrders: 20,
      throughputOrders: 200,
      latencyRate: 20,
      latencySeconds: 5,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(`${JSON.stringify({ ...result.throughput, cpuPerOrder: result.cpuPerOrder })}\n`);
  } finally {
    await broker.stop();
  }
}

void main();
