/**
 * `npm run bench [-- --quick]`: measures the pipeline against its goals and writes
 * bench/results.json and bench/BENCHMARKS.md (rendered from the JSON). Every ratio is taken in the
 * same run, so a busy machine slows both sides of it alike. --quick runs fewer orders and rounds,
 * skips the slow cdk synth and full test suite (reusing the last full run's figures, labelled so).
 * `--only=bundles` re-measures only the bundles and their initialisation (a minute, no broker) into
 * the last run's results, labelled with its own date. `--only=local` does the same for the local
 * pipeline and the per-record cost (sections 1 and 2; a few minutes, its own broker).
 *
 * `--aws-model` runs only the AWS model (bench/aws-model; with --quick, its short form) and keeps the
 * other figures of bench/results.json. `--save-aws-baseline` also writes the model's run to
 * bench/aws-model-baseline.json, the "before" that BENCHMARKS.md shows beside every later run.
 */
import { execFileSync, execSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from '../lambdas/shared/kafka/driver';
import { FUNCTION_ENTRIES } from '../lib/bundling';
import { KafkaBroker } from '../local/kafka-broker';
import { type AwsModelResult, runAwsModel } from './aws-model/run-model';
import { type BuiltBundle, buildBundle, initTimes, lambdaLikeEnv, REPO_ROOT } from './bundles';
import { runPipeline } from './e2e-pipeline';
import { runRaw } from './e2e-raw';
import { INIT_PARTS, INIT_PARTS_BUILT_AS } from './init-parts';
import { measurePerRecord } from './per-record';
import { type Results, renderMarkdown } from './report';
import { type Stats, stats } from './stats';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const ONLY_PARTS = ['bundles', 'local'];
if (only !== undefined && !ONLY_PARTS.includes(only)) {
  process.stderr.write(
    `bench: --only takes one of ${ONLY_PARTS.join(', ')} (the parts that run alone), not "${only}"\n`,
  );
  process.exit(2);
}
const awsModelOnly = process.argv.includes('--aws-model');
const saveAwsBaseline = process.argv.includes('--save-aws-baseline');
if (only !== undefined && awsModelOnly) {
  process.stderr.write('bench: --only and --aws-model each run one part alone: pass one of them\n');
  process.exit(2);
}
const BENCH_DIR = join(REPO_ROOT, 'bench');
const OUT = join(BENCH_DIR, '.out');
const TESTS_LOG = join(OUT, 'tests.log');
const RESULTS = join(BENCH_DIR, 'results.json');
const AWS_MODEL_BASELINE = join(BENCH_DIR, 'aws-model-baseline.json');
/** The benchmark's own ports (broker and its controller); nothing else on the machine uses them. */
const KAFKA_PORT = Number(process.env.BENCH_KAFKA_PORT ?? 41200);
const TEST_KAFKA_PORT = Number(process.env.BENCH_TEST_KAFKA_PORT ?? 41210);
const AWS_MODEL_KAFKA_PORT = Number(process.env.BENCH_AWS_MODEL_KAFKA_PORT ?? 41220);

const PLAN = quick
  ? { initRounds: 3, perRecordRounds: 5, batchesPerRound: 50, warmup: 20, throughputOrders: 100, latencySeconds: 2 }
  : {
      initRounds: 9,
      perRecordRounds: 15,
      batchesPerRound: 200,
      warmup: 100,
      throughputOrders: 1_000,
      latencySeconds: 10,
    };
const LATENCY_RATE = 100;

const log = (line: string) => process.stdout.write(`${line}\n`);

function machine(): Results['meta']['machine'] {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    freeMemoryGiBAtStart: Math.round(freemem() / 2 ** 30),
    loadAverageAtStart: execSync('cat /proc/loadavg').toString().split(' ').slice(0, 3).join(' '),
    node: process.version,
    os: `${process.platform} ${process.arch}`,
  };
}

function previous(): Results | undefined {
  if (!existsSync(RESULTS)) return undefined;
  return JSON.parse(readFileSync(RESULTS, 'utf8')) as Results;
}

async function measureBundles(): Promise<Results['bundles']> {
  log('bundles: building every function as CDK does (lib/bundling.ts)...');
  const probes = join(OUT, 'probes');
  mkdirSync(probes, { recursive: true });
  const empty = join(probes, 'empty.ts');
  writeFileSync(empty, 'export const handler = async () => ({});\n');
  const built = [];
  for (const f of FUNCTION_ENTRIES) built.push(await buildBundle(f.name, f.entry, join(OUT, 'deployed')));
  const emptyBundle = await buildBundle('empty', empty, join(OUT, 'deployed'));
  const traced = built.find((b) => b.name === 'payment');
  if (!traced) throw new Error('bench: no payment function to measure with tracing on');
  const parts: BuiltBundle[] = [];
  for (const part of INIT_PARTS) {
    parts.push(await buildBundle(part.name, part.entry, join(OUT, 'init-parts'), [], INIT_PARTS_BUILT_AS));
  }
  const sdkExternal = [];
  // The alternative is context for a decision, not a goal: only the full run measures it.
  for (const f of quick ? [] : FUNCTION_ENTRIES) {
    sdkExternal.push(await buildBundle(f.name, f.entry, join(OUT, 'sdk-external'), ['@aws-sdk/*', '@smithy/*']));
  }
  log(`bundles: module initialisation, ${PLAN.initRounds} fresh processes per bundle...`);
  const times = initTimes(
    [
      emptyBundle.file,
      ...built.map((b) => b.file),
      { file: traced.file, env: lambdaLikeEnv({ tracing: true }) },
      ...parts.map((b) => b.file),
      ...sdkExternal.map((b) => b.file),
    ],
    PLAN.initRounds,
  );
  const timeOf = (i: number) => times[i] as { wall: Stats; cpu: Stats };
  const emptyInit = timeOf(0);
  const tracingOn = timeOf(built.length + 1);
  const firstPart = built.length + 2;
  const firstSdkExternal = firstPart + parts.length;
  return {
    empty: { bytes: emptyBundle.bytes, initMs: emptyInit.wall, initCpuMs: emptyInit.cpu },
    functions: built.map((b, i) => ({
      name: b.name,
      bytes: b.bytes,
      tracerChunkBytes: b.tracer.bytes,
      initMs: timeOf(i + 1).wall,
      initVsEmpty: timeOf(i + 1).wall.median / emptyInit.wall.median,
      initCpuMs: timeOf(i + 1).cpu,
      initCpuVsEmpty: timeOf(i + 1).cpu.median / emptyInit.cpu.median,
      packages: b.byPackage.slice(0, 10),
    })),
    tracingOn: {
      name: 'payment, tracing on (inside Lambda: AWS_EXECUTION_ENV set, as deployed with active tracing)',
      bytes: traced.bytes,
      initMs: tracingOn.wall,
      initCpuMs: tracingOn.cpu,
      initVsEmpty: tracingOn.wall.median / emptyInit.wall.median,
      initOffMs: timeOf(1 + built.indexOf(traced)).wall,
      tracerBytes: traced.tracer.bytes,
    },
    parts: INIT_PARTS.map((part, i) => ({
      name: part.name,
      what: part.what,
      loadedBy: part.loadedBy,
      bytes: (parts[i] as BuiltBundle).bytes,
      initMs: timeOf(firstPart + i).wall,
      initVsEmpty: timeOf(firstPart + i).wall.median / emptyInit.wall.median,
      initCpuMs: timeOf(firstPart + i).cpu,
      initCpuVsEmpty: timeOf(firstPart + i).cpu.median / emptyInit.cpu.median,
    })),
    sdkFromRuntime: sdkExternal.map((b, i) => ({
      name: b.name,
      bytes: b.bytes,
      initMs: timeOf(firstSdkExternal + i).wall,
      initCpuMs: timeOf(firstSdkExternal + i).cpu,
    })),
  };
}

/** `--only=bundles`: the bundles measured again, written into the last run's results. */
async function remeasureBundles(): Promise<void> {
  const last = previous();
  if (!last) throw new Error('--only=bundles updates the results of an earlier run: run `npm run bench` first');
  const date = new Date().toISOString();
  const loadAverageAtStart = machine().loadAverageAtStart;
  const bundles = await measureBundles();
  const command = `npm run bench -- ${quick ? '--quick ' : ''}--only=bundles`;
  const results: Results = {
    ...last,
    meta: {
      ...last.meta,
      bundlesRemeasured: {
        date,
        command,
        plan: { initRounds: PLAN.initRounds },
        loadAverageAtStart,
        node: process.version,
      },
    },
    bundles,
  };
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(BENCH_DIR, 'BENCHMARKS.md'), renderMarkdown(results));
  log('Wrote the bundle figures into bench/results.json and bench/BENCHMARKS.md.');
}

/** `--only=local`: the local pipeline and the per-record cost measured again, written into the last run's results. */
async function remeasureLocal(): Promise<void> {
  const last = previous();
  if (!last) throw new Error('--only=local updates the results of an earlier run: run `npm run bench` first');
  const date = new Date().toISOString();
  const loadAverageAtStart = machine().loadAverageAtStart;
  log('per-record: consumeBatch over a 100-record MSK event vs a bare JSON.parse loop...');
  const perRecord = await measurePerRecord(PLAN.perRecordRounds, PLAN.batchesPerRound);
  console.log = () => undefined;
  const endToEnd = await measureEndToEnd();
  const command = `npm run bench -- ${quick ? '--quick ' : ''}--only=local`;
  const { initRounds: _bundlesOnly, ...plan } = PLAN;
  const results: Results = {
    ...last,
    meta: {
      ...last.meta,
      localRemeasured: {
        date,
        command,
        plan: { ...plan, latencyRate: LATENCY_RATE },
        loadAverageAtStart,
        node: process.version,
      },
    },
    perRecord,
    endToEnd,
  };
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(BENCH_DIR, 'BENCHMARKS.md'), renderMarkdown(results));
  log('Wrote the local pipeline and per-record figures into bench/results.json and bench/BENCHMARKS.md.');
}

async function measureEndToEnd(): Promise<Results['endToEnd']> {
  const dir = join(OUT, 'local');
  const broker = new KafkaBroker({ dir: join(dir, 'kafka'), port: KAFKA_PORT, controllerPort: KAFKA_PORT + 1, log });
  // A fresh log dir each run: no topic or group left over from an earlier run.
  execFileSync('rm', ['-rf', join(dir, 'kafka', 'data')]);
  await broker.start();
  try {
    const kafka = new Kafka({ clientId: 'bench-raw', brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING });
    const load = {
      warmupOrders: PLAN.warmup,
      throughputOrders: PLAN.throughputOrders,
      latencyRate: LATENCY_RATE,
      latencySeconds: PLAN.latencySeconds,
      log,
    };
    const raw = await runRaw({ kafka, ...load });
    const pipeline = await runPipeline({
      dir: join(dir, 'pipeline'),
      bootstrapServers: broker.bootstrapServers,
      brokerPid: broker.pid,
      ...load,
    });
    return {
      hops: 'OrderCreated → payment, inventory → order (OrderConfirmed) → shipping → order (SHIPPED), notification (NotificationSent)',
      pipeline,
      raw,
      throughputVsRaw: pipeline.throughput.ordersPerSecond / raw.throughput.ordersPerSecond,
    };
  } finally {
    await broker.stop();
  }
}

function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const start = performance.now();
  execFileSync(command, args, { cwd: REPO_ROOT, stdio: 'ignore', env: { ...process.env, ...env } });
  return performance.now() - start;
}

function measureSynth(): Results['synth'] {
  if (quick) {
    const last = previous()?.synth;
    return last ? { ...last, reused: true } : { skipped: 'quick mode and no earlier full run to reuse' };
  }
  log('synth: cdk synth of every profile, 3 times...');
  const runs = [0, 1, 2].map(() =>
    timeCommand('npx', [
      'cdk',
      'synth',
      '--quiet',
      '-c',
      'profile=dev,prod,dev-serverless',
      '-o',
      join(OUT, 'cdk.out'),
    ]),
  );
  return {
    command: 'cdk synth --quiet -c profile=dev,prod,dev-serverless',
    ms: stats(runs),
    measuredAt: new Date().toISOString(),
    reused: false,
  };
}

function measureTests(startupEnv: NodeJS.ProcessEnv): Results['tests'] {
  const env = { TEST_KAFKA_PORT: String(TEST_KAFKA_PORT) };
  if (quick) {
    log('tests: unit project only (quick mode)...');
    const ms = timeCommand('npx', ['jest', 'test/unit'], env);
    const last = previous()?.tests?.full;
    return { unitOnly: { command: 'jest test/unit', ms }, ...(last ? { full: { ...last, reused: true } } : {}) };
  }
  log(`tests: the whole suite once (npx jest; output in ${relative(REPO_ROOT, TESTS_LOG)})...`);
  // A failing suite is reported beside its time rather than losing the rest of the run's figures.
  mkdirSync(OUT, { recursive: true });
  const start = performance.now();
  // Straight into the log file: the suite writes megabytes, past what spawnSync buffers (1 MiB, after
  // which it kills the child and reports no exit status).
  const logFd = openSync(TESTS_LOG, 'w');
  let run: ReturnType<typeof spawnSync>;
  try {
    run = spawnSync('npx', ['jest'], {
      cwd: REPO_ROOT,
      env: { ...startupEnv, ...env },
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  const ms = performance.now() - start;
  const passed = run.status === 0;
  if (!passed) {
    const how = run.status === null ? `stopped by ${run.signal ?? 'an error'}` : `exit ${run.status}`;
    log(`tests: the suite FAILED (${how}); see ${relative(REPO_ROOT, TESTS_LOG)}`);
  }
  return { full: { command: 'jest (every project)', ms, measuredAt: new Date().toISOString(), reused: false, passed } };
}

function command(): string {
  const flags = [quick && '--quick', awsModelOnly && '--aws-model', saveAwsBaseline && '--save-aws-baseline'].filter(
    Boolean,
  );
  return `npm run bench${flags.length > 0 ? ` -- ${flags.join(' ')}` : ''}`;
}

async function measureAwsModel(): Promise<{ awsModel: AwsModelResult; awsModelBaseline?: AwsModelResult }> {
  log(
    `aws-model: the consumers' handler stacks with modelled AWS latencies (${quick ? 'short form' : 'full form'})...`,
  );
  const awsModel = await runAwsModel({
    quick,
    command: command(),
    repoRoot: REPO_ROOT,
    outDir: OUT,
    kafkaPort: AWS_MODEL_KAFKA_PORT,
    log,
  });
  if (saveAwsBaseline) {
    writeFileSync(AWS_MODEL_BASELINE, `${JSON.stringify(awsModel, null, 2)}\n`);
    log(`aws-model: saved as the baseline, ${relative(REPO_ROOT, AWS_MODEL_BASELINE)}.`);
  }
  const baseline = existsSync(AWS_MODEL_BASELINE)
    ? (JSON.parse(readFileSync(AWS_MODEL_BASELINE, 'utf8')) as AwsModelResult)
    : undefined;
  log(`aws-model: done in ${awsModel.durationS.toFixed(0)} s.`);
  return { awsModel, ...(baseline ? { awsModelBaseline: baseline } : {}) };
}

/** --aws-model: the model alone, every other figure kept from the last run. */
async function mainAwsModelOnly(): Promise<void> {
  const last = previous();
  if (!last) {
    throw new Error(
      `${relative(REPO_ROOT, RESULTS)} is missing: run \`npm run bench -- --quick\` once, then --aws-model on its own`,
    );
  }
  const results: Results = { ...last, ...(await measureAwsModel()) };
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(BENCH_DIR, 'BENCHMARKS.md'), renderMarkdown(results));
  log('Wrote the AWS model into bench/results.json and bench/BENCHMARKS.md.');
}

async function main(): Promise<void> {
  if (only === 'bundles') return remeasureBundles();
  if (only === 'local') return remeasureLocal();
  if (awsModelOnly) return mainAwsModelOnly();
  // The suite runs in the environment the bench started with: the local runtime run below sets the
  // handlers' variables (metrics off, tables, Kafka) in this process, and tests of the handlers'
  // instrumentation must not inherit them. The X-Ray manual mode is set by local/tracing-off.ts as
  // soon as the runtime module loads, before this runs, so it is taken out here.
  const startupEnv = { ...process.env };
  delete startupEnv.AWS_XRAY_MANUAL_MODE;
  const started = performance.now();
  const meta: Results['meta'] = {
    date: new Date().toISOString(),
    command: command(),
    quick,
    plan: { ...PLAN, latencyRate: LATENCY_RATE },
    machine: machine(),
    durationS: 0,
  };
  if (quick)
    log(
      'Quick mode: fewer orders and rounds, no SDK-from-runtime variant; cdk synth and the full test suite are reused from the last full run.',
    );
  const bundles = await measureBundles();
  log('per-record: consumeBatch over a 100-record MSK event vs a bare JSON.parse loop...');
  const perRecord = await measurePerRecord(PLAN.perRecordRounds, PLAN.batchesPerRound);
  // The local outbox prints a line per notification; the bench's own lines go to stdout directly.
  console.log = () => undefined;
  const endToEnd = await measureEndToEnd();
  const model = await measureAwsModel();
  const synth = measureSynth();
  const tests = measureTests(startupEnv);
  const results: Results = {
    meta: { ...meta, durationS: (performance.now() - started) / 1000 },
    bundles,
    perRecord,
    endToEnd,
    synth,
    tests,
    ...model,
  };
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(BENCH_DIR, 'BENCHMARKS.md'), renderMarkdown(results));
  log(`Wrote bench/results.json and bench/BENCHMARKS.md in ${results.meta.durationS.toFixed(0)} s.`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
