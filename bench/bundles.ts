/**
 * Builds every function the way CDK deploys it (lib/bundling.ts) and measures what a cold start
 * depends on: the minified bundle's size, what fills it (esbuild's metafile, by package), and the
 * module initialisation time in a fresh Node process against an empty bundle built the same way.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import {
  bundleAliases,
  bundleBanner,
  bundleExternals,
  FUNCTION_BUNDLE,
  TRACER_CHUNK,
  TRACER_CHUNK_BUNDLE,
  tracerChunkAliases,
} from '../lib/bundling';
import { LAMBDA_NODE_RUNTIME } from '../lib/function-settings';
import { ENV, tableEnvVar } from '../lib/runtime-contract';
import { TABLES } from '../lib/topology';
import { type Stats, stats } from './stats';

export const REPO_ROOT = join(__dirname, '..');

export interface BuiltBundle {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  /** Bytes of minified output per npm package (or "(project)" for our own code), largest first. */
  readonly byPackage: readonly { readonly pkg: string; readonly bytes: number }[];
  /** The tracer's file next to the bundle (lib/bundling.ts TRACER_CHUNK), loaded only with tracing on. */
  readonly tracer: {
    readonly file: string;
    readonly bytes: number;
    readonly byPackage: readonly { readonly pkg: string; readonly bytes: number }[];
  };
}

/** esbuild's metafiles, next to the outputs they describe: the bundle's and the tracer chunk's. */
export const METAFILES = { bundle: 'meta.json', tracer: 'tracer-meta.json' } as const;

/**
 * Bundles one entry (relative to the repository, or absolute) with the deployed settings, into
 * `<outDir>/<name>/index.mjs` as CDK names it, with the aliases, externals and banner of function
 * `as` (by default `name`: its own validators, the SDK credential stand-ins, the kafkajs requests it
 * leaves out). `moreExternal` adds externals, to measure an alternative (the SDK taken from the runtime).
 */
export async function buildBundle(
  name: string,
  entry: string,
  outDir: string,
  moreExternal: readonly string[] = [],
  as: string = name,
): Promise<BuiltBundle> {
  const dir = join(outDir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'index.mjs');
  const result = await build({
    entryPoints: [isAbsolute(entry) ? entry : join(REPO_ROOT, entry)],
    outfile: file,
    bundle: true,
    format: FUNCTION_BUNDLE.format,
    platform: FUNCTION_BUNDLE.platform,
    target: FUNCTION_BUNDLE.target,
    mainFields: [...FUNCTION_BUNDLE.mainFields],
    minify: FUNCTION_BUNDLE.minify,
    sourcemap: FUNCTION_BUNDLE.sourceMap,
    sourcesContent: FUNCTION_BUNDLE.sourcesContent,
    external: [...bundleExternals(as), ...moreExternal],
    banner: { js: bundleBanner(as) },
    // Alias targets are relative to the working directory, which NodejsFunction sets to the project root.
    absWorkingDir: REPO_ROOT,
    alias: bundleAliases(as),
    metafile: true,
    logLevel: 'silent',
  });
  writeFileSync(join(dir, METAFILES.bundle), JSON.stringify(result.metafile));
  return {
    name,
    file,
    bytes: statSync(file).size,
    byPackage: bytesByPackage(result.metafile),
    tracer: await buildTracerChunk(dir),
  };
}

/** TRACER_CHUNK into `dir`, as the CDK's afterBundling hook builds it (lib/bundling.ts tracerChunkCommand). */
async function buildTracerChunk(dir: string): Promise<BuiltBundle['tracer']> {
  const file = join(dir, TRACER_CHUNK.file);
  const result = await build({
    entryPoints: [join(REPO_ROOT, TRACER_CHUNK.entry)],
    outfile: file,
    bundle: true,
    format: TRACER_CHUNK_BUNDLE.format,
    platform: TRACER_CHUNK_BUNDLE.platform,
    target: TRACER_CHUNK_BUNDLE.target,
    mainFields: [...TRACER_CHUNK_BUNDLE.mainFields],
    minify: TRACER_CHUNK_BUNDLE.minify,
    sourcemap: TRACER_CHUNK_BUNDLE.sourceMap,
    sourcesContent: TRACER_CHUNK_BUNDLE.sourcesContent,
    absWorkingDir: REPO_ROOT,
    alias: tracerChunkAliases(),
    metafile: true,
    logLevel: 'silent',
  });
  writeFileSync(join(dir, METAFILES.tracer), JSON.stringify(result.metafile));
  return { file, bytes: statSync(file).size, byPackage: bytesByPackage(result.metafile) };
}

export function bytesByPackage(metafile: Metafile): { pkg: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = packageOf(input);
      totals.set(pkg, (totals.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return [...totals]
    .map(([pkg, bytes]) => ({ pkg, bytes }))
    .filter((p) => p.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}

function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) {
    const generated = /lambdas\/shared\/events\/validators(\.generated|\/[^/]+\.generated)\.ts$/.test(input);
    return generated ? '(project: generated validators)' : '(project)';
  }
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

/** What Lambda sets AWS_EXECUTION_ENV to for the runtime the functions run on (lib/function-settings.ts). */
const AWS_EXECUTION_ENV = `AWS_Lambda_${LAMBDA_NODE_RUNTIME}`;

/**
 * The environment the stacks give every function, so module initialisation runs as on AWS: with
 * `tracing`, inside a Lambda execution environment (AWS_EXECUTION_ENV), where the deployed functions
 * trace (active tracing); without, tracing is off, as outside Lambda or with POWERTOOLS_TRACE_ENABLED=false.
 */
export function lambdaLikeEnv(options: { tracing?: boolean } = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    [ENV.kafkaBootstrapServers]: 'b-1.bench.kafka.eu-west-1.amazonaws.com:9098',
    [ENV.kafkaAuth]: 'iam',
    [ENV.awsRegion]: 'eu-west-1',
    [ENV.powertoolsServiceName]: 'bench',
    [ENV.notificationTopicArn]: 'arn:aws:sns:eu-west-1:123456789012:bench',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    // The SDK's notice that its 2027 releases need Node 22 is printed at load on Node 20 only; the
    // functions run on Lambda's Node 24 (LAMBDA_NODE_RUNTIME), so it is no part of their initialisation.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...(options.tracing ? { AWS_EXECUTION_ENV } : {}),
  };
  for (const table of TABLES) env[tableEnvVar(table)] = `bench-${table}`;
  return env;
}

/** Wall and CPU milliseconds of the import, from inside the fresh process. */
const IMPORT_TIMER =
  'const c=process.cpuUsage(),t=performance.now();await import(process.argv[1]);' +
  'const u=process.cpuUsage(c);process.stdout.write(JSON.stringify([performance.now()-t,(u.user+u.system)/1000]));';

export interface InitTime {
  readonly wallMs: number;
  /**
   * CPU time of the import (user and system). On a shared machine it moves far less than wall time
   * with the load of other processes, so it is the steadier figure to compare bundles by.
   */
  readonly cpuMs: number;
}

/** Time to import (load, parse, evaluate) a bundle in a fresh Node process. */
export function initTime(file: string, env: NodeJS.ProcessEnv = lambdaLikeEnv()): InitTime {
  const out = execFileSync(
    process.execPath,
    [
      '--disable-warning=NodeVersionSupportWarning',
      '--input-type=module',
      '-e',
      IMPORT_TIMER,
      pathToFileURL(file).href,
    ],
    { env, encoding: 'utf8' },
  );
  const [wallMs, cpuMs] = JSON.parse(out) as [number, number];
  return { wallMs, cpuMs };
}

/** A bundle to time, and the environment to import it in (by default tracing off). */
export type InitProbe = string | { readonly file: string; readonly env: NodeJS.ProcessEnv };

/** Init times of several bundles, interleaved round by round so machine noise hits all alike. */
export function initTimes(probes: readonly InitProbe[], rounds: number): { wall: Stats; cpu: Stats }[] {
  const samples = probes.map(() => [] as InitTime[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, probe] of probes.entries()) {
      samples[i]?.push(typeof probe === 'string' ? initTime(probe) : initTime(probe.file, probe.env));
    }
  }
  return samples.map((s) => ({ wall: stats(s.map((t) => t.wallMs)), cpu: stats(s.map((t) => t.cpuMs)) }));
}
