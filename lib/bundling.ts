/**
 * How every Lambda function is bundled, in one place: the CDK construct (ServiceFunction) hands
 * these options to NodejsFunction's esbuild, and the benchmark (bench/) builds with them to measure
 * exactly what is deployed. Plain data, no CDK import, no import of handler code: the modules
 * substituted at bundle time are named by path.
 */

import { esbuildTarget, LAMBDA_NODE_RUNTIME } from './function-settings';
import { SERVICE_SPECS, SERVICES, type ServiceName } from './topology';

/** The topic admin's handler entry: a function of MSK Serverless profiles (lib/stacks/kafka-stack.ts), not a topology service. */
export const TOPIC_ADMIN_ENTRY = 'lambdas/topic-admin/handler.ts';

/**
 * Every function the stacks deploy, by name, with its handler entry relative to the repository
 * root: the topology's services (their `entry` in lib/topology.ts) and the topic admin.
 */
export const FUNCTION_ENTRIES: readonly { readonly name: string; readonly entry: string }[] = [
  ...SERVICES.map((s) => ({ name: s, entry: SERVICE_SPECS[s].entry })),
  { name: 'topic-admin', entry: TOPIC_ADMIN_ENTRY },
];

/**
 * Powertools Tracer with the X-Ray SDK (97 KB minified) in a file of its own next to each
 * function's bundle. lambdas/shared/observability.ts requires it only when tracing is on, and the
 * bundle leaves that import out (an external its banner's `require` answers with this file), so with
 * tracing off Node never reads, parses or compiles it: about a quarter of the module initialisation
 * (docs/TUNING.md). Inside the bundle the same code, even unevaluated, was parsed at every cold start.
 */
export const TRACER_CHUNK = {
  /** The import observability.ts requires the tracer by. */
  import: './powertools-tracer',
  /** Its source, relative to the repository root. */
  entry: 'lambdas/shared/powertools-tracer.ts',
  /** Its file in the function's asset, next to index.mjs: CommonJS, which `require` loads synchronously. */
  file: 'powertools-tracer.cjs',
} as const;

/**
 * The request modules kafkajs's protocol table (src/protocol/requests/index.js of kafkajs 2.2.4,
 * the version lambdas/shared/kafka/producer-driver.ts is written against) requires, as it writes
 * them: one per Kafka API, each holding every version of its request and response. A unit test
 * holds this list to the installed kafkajs.
 */
export const KAFKA_REQUEST_MODULES = [
  './produce',
  './fetch',
  './listOffsets',
  './metadata',
  './offsetCommit',
  './offsetFetch',
  './findCoordinator',
  './joinGroup',
  './heartbeat',
  './leaveGroup',
  './syncGroup',
  './describeGroups',
  './listGroups',
  './saslHandshake',
  './apiVersions',
  './createTopics',
  './deleteTopics',
  './deleteRecords',
  './initProducerId',
  './addPartitionsToTxn',
  './addOffsetsToTxn',
  './endTxn',
  './txnOffsetCommit',
  './describeAcls',
  './createAcls',
  './deleteAcls',
  './describeConfigs',
  './alterConfigs',
  './saslAuthenticate',
  './createPartitions',
  './deleteGroups',
  './alterPartitionReassignments',
  './listPartitionReassignments',
] as const;

/**
 * The Kafka APIs an idempotent, non-transactional producer sends (kafkajs's broker: ApiVersions on
 * connect, SASL handshake and authenticate, Metadata, InitProducerId, Produce). The services only
 * produce (lambdas/shared/kafka/producer-driver.ts); the topic admin keeps every API.
 */
export const KAFKA_PRODUCER_REQUESTS: readonly (typeof KAFKA_REQUEST_MODULES)[number][] = [
  './apiVersions',
  './saslHandshake',
  './saslAuthenticate',
  './metadata',
  './initProducerId',
  './produce',
];

/**
 * The request modules a service's bundle leaves out (esbuild `external` on the path as kafkajs
 * writes it; no other bundled module requires these paths, which the bundle test checks). kafkajs
 * requires them all when its protocol table loads, so the function's `require` (its banner) answers
 * them with a stand-in whose use throws a message naming the API and the fix.
 */
export function kafkaRequestsLeftOut(functionName: string): string[] {
  if (!isService(functionName)) return [];
  return KAFKA_REQUEST_MODULES.filter((m) => !KAFKA_PRODUCER_REQUESTS.includes(m));
}

/** The first words of the error a left-out Kafka request's stand-in throws (the bundle test looks for them). */
export const KAFKA_REQUEST_LEFT_OUT = 'kafkajs request module';

/**
 * The banner of one function: a `require` for the CommonJS code in the ESM bundle (kafkajs, some SDK
 * internals) that also answers the tracer's import with TRACER_CHUNK's file and, for a service, the
 * left-out kafkajs request modules with a stand-in. The stand-in is what kafkajs's protocol table
 * expects of a request definition (`versions`, `protocol`), and both throw: kafkajs reads them
 * only when the broker is about to send that request (its `lookup`).
 */
export function bundleBanner(functionName: string): string {
  const leftOut = kafkaRequestsLeftOut(functionName);
  const message =
    `'${KAFKA_REQUEST_LEFT_OUT} '+i+' is not in this function bundle: the functions only produce (lib/bundling.ts ` +
    "KAFKA_PRODUCER_REQUESTS); add it there if a function must send this request'";
  const tracer = `i===${JSON.stringify(TRACER_CHUNK.import)}?r(${JSON.stringify(`./${TRACER_CHUNK.file}`)}):`;
  return (
    "import{createRequire as __cr}from'node:module';" +
    `const require=((r,o,e)=>Object.assign(i=>${tracer}o.includes(i)?{get versions(){throw e(i)},protocol(){throw e(i)}}:r(i),r))` +
    `(__cr(import.meta.url),${JSON.stringify(leftOut)},i=>new Error(${message}));`
  );
}

export const FUNCTION_BUNDLE = {
  format: 'esm',
  platform: 'node',
  /** The Node.js of the Lambda runtime every function runs on (lib/function-settings.ts). */
  target: esbuildTarget(LAMBDA_NODE_RUNTIME),
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  /**
   * Everything is bundled, the AWS SDK v3 included (docs/TUNING.md, "Bundles and cold starts"); a
   * function's own externals and banner are `bundleExternals` and `bundleBanner`.
   */
  externalModules: [] as string[],
} as const;

/** esbuild `external` of one function: the tracer (TRACER_CHUNK) and the kafkajs requests it leaves out (`kafkaRequestsLeftOut`). */
export function bundleExternals(functionName: string): string[] {
  return [...FUNCTION_BUNDLE.externalModules, TRACER_CHUNK.import, ...kafkaRequestsLeftOut(functionName)];
}

/**
 * How TRACER_CHUNK is built: the options of FUNCTION_BUNDLE, in CommonJS, with the stand-in the
 * X-Ray SDK needs (TRACING_STAND_INS). Every function's asset gets the same file.
 */
export const TRACER_CHUNK_BUNDLE = {
  format: 'cjs',
  platform: FUNCTION_BUNDLE.platform,
  target: FUNCTION_BUNDLE.target,
  mainFields: FUNCTION_BUNDLE.mainFields,
  minify: FUNCTION_BUNDLE.minify,
  sourceMap: FUNCTION_BUNDLE.sourceMap,
  sourcesContent: FUNCTION_BUNDLE.sourcesContent,
} as const;

/**
 * The shell command that builds TRACER_CHUNK into a function's asset (NodejsFunction's
 * `commandHooks.afterBundling`, run like its own esbuild command: locally, from the project root,
 * with the project's esbuild).
 */
export function tracerChunkCommand(outputDir: string): string {
  const args = [
    TRACER_CHUNK.entry,
    '--bundle',
    `--platform=${TRACER_CHUNK_BUNDLE.platform}`,
    `--format=${TRACER_CHUNK_BUNDLE.format}`,
    `--target=${TRACER_CHUNK_BUNDLE.target}`,
    `--main-fields=${TRACER_CHUNK_BUNDLE.mainFields.join(',')}`,
    ...(TRACER_CHUNK_BUNDLE.minify ? ['--minify'] : []),
    ...(TRACER_CHUNK_BUNDLE.sourceMap ? ['--sourcemap'] : []),
    `--sources-content=${TRACER_CHUNK_BUNDLE.sourcesContent}`,
    ...Object.entries(tracerChunkAliases()).map(([module, file]) => `--alias:${module}=${file}`),
    `--outfile=${outputDir}/${TRACER_CHUNK.file}`,
  ];
  return ['npx', '--no-install', 'esbuild', ...args].map(shellQuoted).join(' ');
}

/** esbuild `alias` of TRACER_CHUNK: the stand-in the X-Ray SDK needs, relative to the project root as bundleAliases. */
export function tracerChunkAliases(): Record<string, string> {
  return Object.fromEntries(Object.entries(TRACING_STAND_INS).map(([module, file]) => [module, `./${file}`]));
}

/** One POSIX shell word: as it is when it holds no character the shell treats specially. */
function shellQuoted(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * The import the validation code takes its compiled validators from (package.json "imports"). From
 * source (local runtime, tests, scripts) it is the module of every schema; in a function's bundle it
 * is replaced by that function's own module, which holds only the events the function reads or
 * writes (lib/topology.ts `validatedEvents`).
 */
export const VALIDATORS_IMPORT = '#event-validators';

/** The module of every schema, which VALIDATORS_IMPORT names when run from source (package.json "imports"). */
export const ALL_VALIDATORS_PATH = 'lambdas/shared/events/validators.generated.ts';

/** The generated validators of one function, relative to the repository root (scripts/events-codegen.ts). */
export function functionValidatorsPath(service: ServiceName): string {
  return `lambdas/shared/events/validators/${service}.generated.ts`;
}

/**
 * Parts of the AWS SDK a function on Lambda never runs, replaced at bundle time by small modules of
 * ours. Every SDK client's runtime config imports the default credential chain (INI and process
 * credentials, SSO and STS web identity with their nested clients, container and instance metadata)
 * even when it is given credentials, and aws-msk-iam-sasl-signer-js imports STS and the provider
 * collection for its profile, role and debug options. The functions create their clients with
 * environment credentials (lambdas/shared/aws-credentials.ts), which is where Lambda puts the
 * execution role's keys; the stand-ins keep that behaviour and fail with a clear message otherwise.
 */
export const SDK_CREDENTIAL_STAND_INS: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': 'lambdas/shared/bundle-stand-ins/credential-provider-node.ts',
  '@aws-sdk/credential-providers': 'lambdas/shared/bundle-stand-ins/credential-providers.ts',
  '@aws-sdk/client-sts': 'lambdas/shared/bundle-stand-ins/client-sts.ts',
};

/**
 * Parts of the SDK's protocol code that the clients the functions use (DynamoDB, SNS) never run:
 * event streams (15 KB), which @smithy/core's HTTP protocol imports by package path only to send or
 * read one. The stand-in throws a message naming the fix if it is ever called.
 */
export const SDK_PROTOCOL_STAND_INS: Readonly<Record<string, string>> = {
  '@smithy/core/event-streams': 'lambdas/shared/bundle-stand-ins/smithy-event-streams.ts',
};

/**
 * aws-msk-iam-sasl-signer-js brings its own copies of @smithy/signature-v4 (v2) and of a
 * pure-JavaScript SHA-256 (@aws-crypto/sha256-js); the SDK clients bundle @smithy/signature-v4 (v5,
 * the same `SignatureV4#presign`) and Node.js's SHA-256. The bundles give the signer those (25 KB
 * less, 8 KB for shipping and the topic admin, docs/TUNING.md); the bundle test compares the token
 * with the signer's own, signed at the same instant.
 */
export const MSK_SIGNER_SHARED: Readonly<Record<string, string>> = {
  '@smithy/signature-v4': 'node_modules/@smithy/signature-v4',
  '@aws-crypto/sha256-js': 'lambdas/shared/bundle-stand-ins/sha256-js.ts',
};

/**
 * JMESPath (23 KB), which Powertools idempotency imports to pick the key and the validated payload
 * out of the function's input, replaced by the one kind of expression the functions use there: a
 * field name (lambdas/shared/bundle-stand-ins/jmespath.ts; a unit test holds it to the real module).
 */
export const IDEMPOTENCY_STAND_INS: Readonly<Record<string, string>> = {
  '@aws-lambda-powertools/jmespath': 'lambdas/shared/bundle-stand-ins/jmespath.ts',
  '@aws-lambda-powertools/jmespath/functions': 'lambdas/shared/bundle-stand-ins/jmespath.ts',
};

/**
 * `semver` (28 KB), which the X-Ray SDK imports for one version comparison in its patcher of the v2
 * AWS SDK, replaced by that comparison (lambdas/shared/bundle-stand-ins/semver.ts). The bundle test
 * fails if a bundled module ever calls another semver function.
 */
export const TRACING_STAND_INS: Readonly<Record<string, string>> = {
  semver: 'lambdas/shared/bundle-stand-ins/semver.ts',
};

function isService(name: string): name is ServiceName {
  return (SERVICES as readonly string[]).includes(name);
}

/**
 * esbuild `alias` of one function: import path to file, relative to the repository root (esbuild
 * resolves alias targets from its working directory, which NodejsFunction sets to the project root).
 * Functions that are not topology services (the topic admin) validate no events and get no
 * validators module; the bundle test fails if one ever bundles validators.
 */
export function bundleAliases(functionName: string): Record<string, string> {
  const aliases: Record<string, string> = {};
  if (isService(functionName)) aliases[VALIDATORS_IMPORT] = `./${functionValidatorsPath(functionName)}`;
  for (const [module, file] of Object.entries({
    ...SDK_CREDENTIAL_STAND_INS,
    ...SDK_PROTOCOL_STAND_INS,
    ...IDEMPOTENCY_STAND_INS,
    ...MSK_SIGNER_SHARED,
    ...TRACING_STAND_INS,
  })) {
    aliases[module] = `./${file}`;
  }
  return aliases;
}

/** The same aliases as NodejsFunction's `esbuildArgs` (rendered `--alias:<import>=<file>` each). */
export function esbuildAliasArgs(functionName: string): { '--alias': string[] } {
  return { '--alias': Object.entries(bundleAliases(functionName)).map(([from, to]) => `${from}=${to}`) };
}
