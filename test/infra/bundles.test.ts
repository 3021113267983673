/**
 * What each function's bundle carries, read from esbuild's metafile of a build with the deployed
 * options (lib/bundling.ts, through the benchmark's builder): only the validators of the events the
 * function reads or writes; environment credentials without the SDK's default chain; Powertools
 * idempotency and the DynamoDB client only where the function uses them; kafkajs's producer without
 * its consumer and admin; no semver function the stand-in lacks. Then the bundled clients and
 * tracing are run in fresh Node.js processes to show they work with what is left.
 */
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { type BuiltBundle, buildBundle, lambdaLikeEnv, METAFILES, REPO_ROOT } from '../../bench/bundles';
import { INIT_FLOOR_PART, INIT_PARTS, INIT_PARTS_BUILT_AS } from '../../bench/init-parts';
import {
  FUNCTION_ENTRIES,
  functionValidatorsPath,
  IDEMPOTENCY_STAND_INS,
  KAFKA_REQUEST_LEFT_OUT,
  KAFKA_REQUEST_MODULES,
  SDK_CREDENTIAL_STAND_INS,
  SDK_PROTOCOL_STAND_INS,
  TRACER_CHUNK,
  TRACING_STAND_INS,
} from '../../lib/bundling';
import { LAMBDA_NODE_RUNTIME } from '../../lib/function-settings';
import { REQUEST_SCHEMAS } from '../../lib/schema-files';
import {
  EVENT_NAMES,
  type EventName,
  SERVICE_SPECS,
  SERVICES,
  type ServiceName,
  tablesOf,
  validatedEvents,
} from '../../lib/topology';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { eventually } from '../support/eventually';
import { synthPipeline } from './synth';

const run = promisify(execFile);

/** Packages of the default credential chain: everything credential-related but the environment provider. */
const DEFAULT_CHAIN =
  /node_modules\/@aws-sdk\/(credential-provider-(?!env\/)[^/]+|credential-providers|client-sts|client-sso[^/]*|nested-clients|token-providers)\//;
const VALIDATORS_MODULE = /lambdas\/shared\/events\/validators(\.generated|\/[^/]+\.generated)\.ts$/;
/** The SDK's event-stream code (@smithy/core/event-streams), which no operation the functions call uses. */
const SMITHY_EVENT_STREAMS = /node_modules\/@smithy\/core\/dist-es\/submodules\/event-streams\//;
const POWERTOOLS_IDEMPOTENCY = /node_modules\/@aws-lambda-powertools\/idempotency\//;
const JMESPATH = /node_modules\/@aws-lambda-powertools\/jmespath\//;
const DYNAMODB_CLIENT = /node_modules\/@aws-sdk\/client-dynamodb\//;
const KAFKAJS_PRODUCER = 'node_modules/kafkajs/src/producer/index.js';
/** kafkajs's request queue (one per broker connection), which lambdas/shared/kafka/request-queue-timer.ts mends. */
const KAFKAJS_REQUEST_QUEUE_DIR = 'node_modules/kafkajs/src/network/requestQueue/';
/** kafkajs's table of request definitions, the one module that requires the request modules. */
const KAFKAJS_REQUESTS_TABLE = 'node_modules/kafkajs/src/protocol/requests/index.js';
/** The API folder of a bundled kafkajs request module (`produce` of .../requests/produce/v7/request.js). */
const KAFKAJS_REQUEST_API = /^node_modules\/kafkajs\/src\/protocol\/requests\/([^/]+)\//;
/** kafkajs's entry (which requires every part), its consumer and its admin. */
const KAFKAJS_BEYOND_PRODUCER = /node_modules\/kafkajs\/(index\.js|src\/index\.js|src\/consumer\/|src\/admin\/)/;

/** esbuild's metafiles of a function's asset: its bundle (index.mjs) and its tracer chunk (TRACER_CHUNK). */
function metafilesOf(bundle: BuiltBundle): Record<keyof typeof METAFILES, Metafile> {
  const read = (file: string) => JSON.parse(readFileSync(join(bundle.file, '..', file), 'utf8')) as Metafile;
  return { bundle: read(METAFILES.bundle), tracer: read(METAFILES.tracer) };
}

/**
 * The members of `module` that the bundled modules importing it call: for `const x = require('m')`
 * (or `var`), every `x.member` in that module's source.
 */
function membersUsedOf(bundle: BuiltBundle, module: string): { importer: string; members: string[] }[] {
  const inputs = new Set(bundledInputs(bundle));
  const importers = Object.values(metafilesOf(bundle))
    .flatMap((meta) => Object.entries(meta.inputs))
    .filter(([path, input]) => inputs.has(path) && input.imports.some((i) => (i.original ?? i.path) === module));
  return importers.map(([importer]) => {
    const source = readFileSync(join(REPO_ROOT, importer), 'utf8');
    const quoted = module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const bindings = [
      ...source.matchAll(new RegExp(`(?:const|let|var)\\s+(\\w+)\\s*=\\s*require\\(['"]${quoted}['"]\\)`, 'g')),
    ];
    if (bindings.length === 0)
      throw new Error(`${importer} imports ${module} in a way this test cannot read: extend it`);
    const members = bindings.flatMap(([, name]) =>
      [...source.matchAll(new RegExp(`\\b${name}\\.(\\w+)`, 'g'))].map((m) => m[1] as string),
    );
    return { importer, members: [...new Set(members)].sort() };
  });
}

/**
 * Source files with bytes in a function's asset, relative to the repository (esbuild's metafile
 * paths): in its bundle, its tracer chunk, or (by default) either.
 */
function bundledInputs(bundle: BuiltBundle, part: keyof typeof METAFILES | 'asset' = 'asset'): string[] {
  const metafiles = metafilesOf(bundle);
  const parts = part === 'asset' ? (['bundle', 'tracer'] as const) : [part];
  return parts.flatMap((p) => {
    const outputName = p === 'bundle' ? 'index.mjs' : TRACER_CHUNK.file;
    const output = Object.entries(metafiles[p].outputs).find(([path]) => path.endsWith(outputName))?.[1];
    if (!output) throw new Error(`no ${outputName} in the metafile of ${bundle.name}`);
    return Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path);
  });
}

/** The events whose validators a generated module exports. */
function eventsValidatedBy(modulePath: string): EventName[] {
  const names = Object.keys(jest.requireActual(join(REPO_ROOT, modulePath)));
  const events = names.filter((n) => n !== 'envelope' && !(REQUEST_SCHEMAS as readonly string[]).includes(n));
  return events.map((n) => {
    const event = n.replace(/_v\d+$/, '') as EventName;
    if (!EVENT_NAMES.includes(event)) throw new Error(`${modulePath} exports an unknown validator ${n}`);
    return event;
  });
}

/** The stand-ins the tracer chunk bundles in place of modules (lib/bundling.ts TRACING_STAND_INS). */
const TRACER_STAND_IN_FILES = new Set(Object.values(TRACING_STAND_INS));

const isService = (name: string): name is ServiceName => (SERVICES as readonly string[]).includes(name);

/** A service with a table (DynamoDB) or notifications (SNS) creates SDK clients; the others sign MSK tokens only. */
const hasSdkClients = (name: string): boolean =>
  isService(name) && (Object.keys(tablesOf(name)).length > 0 || SERVICE_SPECS[name].notifies);

/** Runs `call` of a bundled probe module in a fresh Node.js process; its answer or its error message. */
async function inFreshProcess(
  file: string,
  call: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  const script =
    'const m=await import(process.argv[1]);' +
    `try{process.stdout.write(JSON.stringify({ok:true,value:await m.${call}}))}` +
    'catch(e){process.stdout.write(JSON.stringify({ok:false,error:String(e&&e.message)}))}';
  const { stdout } = await run(
    process.execPath,
    [...nodeArgs, '--input-type=module', '-e', script, pathToFileURL(file).href],
    {
      env,
      encoding: 'utf8',
    },
  );
  return JSON.parse(stdout);
}

describe('function bundles, built as CDK builds them', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bundles-test-'));
  const bundles = new Map<string, BuiltBundle>();

  beforeAll(async () => {
    for (const f of FUNCTION_ENTRIES) bundles.set(f.name, await buildBundle(f.name, f.entry, outDir));
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  const names = FUNCTION_ENTRIES.map((f) => [f.name]);

  it.each(names)('%s carries no validator of an event it neither reads nor writes', (name) => {
    // Act
    const modules = bundledInputs(bundles.get(name) as BuiltBundle).filter((i) => VALIDATORS_MODULE.test(i));

    // Assess: a service carries its own module, holding exactly its events; the topic admin none.
    if (!isService(name)) {
      expect(modules).toEqual([]);
      return;
    }
    expect(modules).toEqual([functionValidatorsPath(name)]);
    const carried = new Set(eventsValidatedBy(functionValidatorsPath(name)));
    expect([...carried].sort()).toEqual([...validatedEvents(name)].sort());
  });

  it.each(names)("%s carries environment credentials, not the SDK's default credential chain", (name) => {
    // Act
    const inputs = bundledInputs(bundles.get(name) as BuiltBundle);

    // Assess: every function signs MSK tokens; those with a table or notifications also have SDK clients.
    expect(inputs.filter((i) => DEFAULT_CHAIN.test(i))).toEqual([]);
    const { '@aws-sdk/credential-provider-node': forClients, ...forSigner } = SDK_CREDENTIAL_STAND_INS;
    expect(inputs).toEqual(expect.arrayContaining(Object.values(forSigner)));
    if (hasSdkClients(name)) expect(inputs).toContain(forClients);
    expect(inputs.some((i) => i.includes('node_modules/@aws-sdk/credential-provider-env/'))).toBe(true);
  });

  it.each(names)(
    "%s carries none of the SDK's event-stream code, only its stand-in where there are SDK clients",
    (name) => {
      // Act
      const inputs = bundledInputs(bundles.get(name) as BuiltBundle);

      // Assess
      expect(inputs.filter((i) => SMITHY_EVENT_STREAMS.test(i))).toEqual([]);
      const standIn = SDK_PROTOCOL_STAND_INS['@smithy/core/event-streams'] as string;
      expect(inputs.includes(standIn)).toBe(hasSdkClients(name));
    },
  );

  it.each(names)("%s carries one SignatureV4 and none of the MSK signer's own copies", (name) => {
    // Act
    const inputs = bundledInputs(bundles.get(name) as BuiltBundle);

    // Assess: lib/bundling.ts MSK_SIGNER_SHARED.
    expect(inputs.filter((i) => /aws-msk-iam-sasl-signer-js\/node_modules\/|@aws-crypto\/sha256-js\//.test(i))).toEqual(
      [],
    );
    expect(inputs).toContain('node_modules/@smithy/signature-v4/dist-es/SignatureV4.js');
  });

  it.each(names)(
    '%s carries Powertools idempotency only if it uses the idempotency table, with the JMESPath stand-in',
    (name) => {
      // Prepare: order-api keeps Idempotency-Key records there, notification its event ids.
      const uses = isService(name) && 'idempotency' in tablesOf(name);

      // Act
      const inputs = bundledInputs(bundles.get(name) as BuiltBundle);

      // Assess: the real JMESPath nowhere (lib/bundling.ts IDEMPOTENCY_STAND_INS).
      expect({
        idempotency: inputs.some((i) => POWERTOOLS_IDEMPOTENCY.test(i)),
        jmespath: inputs.some((i) => JMESPATH.test(i)),
        standIn: inputs.includes(IDEMPOTENCY_STAND_INS['@aws-lambda-powertools/jmespath'] as string),
      }).toEqual({ idempotency: uses, jmespath: false, standIn: uses });
    },
  );

  it.each(names)('%s carries the DynamoDB client only if it uses a table', (name) => {
    // Prepare
    const uses = isService(name) && Object.keys(tablesOf(name)).length > 0;

    // Act
    const inputs = bundledInputs(bundles.get(name) as BuiltBundle);

    // Assess
    expect(inputs.some((i) => DYNAMODB_CLIENT.test(i))).toBe(uses);
  });

  it.each(SERVICES.map((s) => [s]))(
    "%s carries kafkajs's producer, and none of its entry, consumer or admin",
    (name) => {
      // Act
      const inputs = bundledInputs(bundles.get(name) as BuiltBundle);

      // Assess: the topic admin, which creates topics, is the one function with kafkajs's whole client.
      expect(inputs).toContain(KAFKAJS_PRODUCER);
      expect(inputs.filter((i) => KAFKAJS_BEYOND_PRODUCER.test(i))).toEqual([]);
    },
  );

  it.each(names)("%s carries kafkajs's request queue once, with the mend of its idle timer", (name) => {
    // Act
    const bundle = bundles.get(name) as BuiltBundle;
    const inputs = bundledInputs(bundle);
    const code = readFileSync(bundle.file, 'utf8');

    // Assess: one copy of the class, so the mend (lambdas/shared/kafka/request-queue-timer.ts)
    // replaces the method every connection of the function uses.
    expect(inputs.filter((i) => i.startsWith(KAFKAJS_REQUEST_QUEUE_DIR)).sort()).toEqual([
      `${KAFKAJS_REQUEST_QUEUE_DIR}index.js`,
      `${KAFKAJS_REQUEST_QUEUE_DIR}socketRequest.js`,
    ]);
    expect(inputs).toContain('lambdas/shared/kafka/request-queue-timer.ts');
    expect(code.match(/\.prototype\.scheduleCheckPendingRequests=/g)).toHaveLength(1);
  });

  it.each(names)(
    '%s carries the request code of only the Kafka APIs a producer sends (all of them for the topic admin)',
    (name) => {
      // Prepare: what an idempotent, non-transactional producer sends (kafkajs's broker: ApiVersions on
      // connect, SASL handshake and authenticate, Metadata, InitProducerId, Produce), stated here
      // rather than read from lib/bundling.ts, so a list there that keeps more fails.
      const producerApis = [
        'apiVersions',
        'initProducerId',
        'metadata',
        'produce',
        'saslAuthenticate',
        'saslHandshake',
      ];
      const everyApi = KAFKA_REQUEST_MODULES.map((m) => m.slice('./'.length)).sort();
      const bundle = bundles.get(name) as BuiltBundle;

      // Act
      const apis = [...new Set(bundledInputs(bundle).flatMap((i) => KAFKAJS_REQUEST_API.exec(i)?.[1] ?? []))].sort();
      const externals = Object.entries(metafilesOf(bundle).bundle.inputs).flatMap(([importer, input]) =>
        input.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => ({ importer, path: i.path })),
      );

      // Assess: the externals are exactly the left-out modules, required by kafkajs's table and
      // nothing else (the banner answers only these paths with its stand-in), and the tracer chunk.
      expect(apis).toEqual(isService(name) ? producerApis : everyApi);
      expect(externals.sort((a, b) => a.path.localeCompare(b.path))).toEqual(
        everyApi
          .filter((api) => !apis.includes(api))
          .map((api) => ({ importer: KAFKAJS_REQUESTS_TABLE, path: `./${api}` }))
          .concat({ importer: 'lambdas/shared/observability.ts', path: TRACER_CHUNK.import })
          .sort((a, b) => a.path.localeCompare(b.path)),
      );
    },
  );

  it.each(names)('%s calls no semver function its stand-in lacks', (name) => {
    // Prepare
    const [[module, standIn]] = Object.entries(TRACING_STAND_INS) as [[string, string]];
    const implemented = Object.keys(jest.requireActual(join(REPO_ROOT, standIn))).sort();

    // Act
    const used = membersUsedOf(bundles.get(name) as BuiltBundle, module);

    // Assess: the X-Ray SDK's patcher of the v2 AWS SDK is the one importer today; with none left,
    // the stand-in has no reason to be.
    expect(used.length).toBeGreaterThan(0);
    for (const { importer, members } of used) {
      expect({ importer, members }).toEqual({ importer, members: expect.arrayContaining(implemented) });
      expect(implemented).toEqual(expect.arrayContaining(members));
    }
  });

  it.each(names)('%s keeps Powertools Tracer and the X-Ray SDK out of its bundle, in the tracer chunk', (name) => {
    // Prepare
    const tracing = /node_modules\/(@aws-lambda-powertools\/tracer|aws-xray-sdk-core|cls-hooked)\//;
    const bundle = bundles.get(name) as BuiltBundle;

    // Act
    const inBundle = bundledInputs(bundle, 'bundle');
    const inChunk = bundledInputs(bundle, 'tracer');

    // Assess: nothing of tracing is parsed with tracing off; the chunk holds all of it and no
    // other part of the function (no SDK client, no kafkajs, none of our code but its entry; the
    // tracer's own small SDK dependency, @smithy/service-error-classification, is its to carry).
    expect(inBundle.filter((i) => tracing.test(i) || i === TRACER_CHUNK.entry)).toEqual([]);
    expect(inChunk).toEqual(
      expect.arrayContaining([
        TRACER_CHUNK.entry,
        expect.stringMatching(/^node_modules\/@aws-lambda-powertools\/tracer\//),
        expect.stringMatching(/^node_modules\/aws-xray-sdk-core\//),
      ]),
    );
    expect(
      inChunk.filter(
        (i) => !i.startsWith('node_modules/') && i !== TRACER_CHUNK.entry && !TRACER_STAND_IN_FILES.has(i),
      ),
    ).toEqual([]);
    expect(inChunk.filter((i) => /node_modules\/(@aws-sdk\/client-|kafkajs)\//.test(i))).toEqual([]);
  });

  it.each(names)('%s initialises in a fresh Node.js process, loading the tracer only with tracing on', async (name) => {
    // Prepare: Powertools Tracer's module sets AWS_XRAY_CONTEXT_MISSING when it is evaluated, which
    // tells from outside whether the bundle loaded it (and the X-Ray SDK with it); the module cache
    // of the bundle's `require` tells whether Node read the tracer chunk at all.
    const { file } = bundles.get(name) as BuiltBundle;
    const load =
      "import{createRequire}from'node:module';const m=await import(process.argv[1]);" +
      'const chunk=Object.keys(createRequire(process.argv[1]).cache).some(k=>k.endsWith(process.argv[2]));' +
      'process.stdout.write(typeof m.handler+" "+(process.env.AWS_XRAY_CONTEXT_MISSING ?? "tracer not loaded")+" "+(chunk?"chunk read":"chunk not read"))';

    // Act
    const runs = await Promise.all(
      [lambdaLikeEnv(), lambdaLikeEnv({ tracing: true })].map((env) =>
        run(process.execPath, ['--input-type=module', '-e', load, pathToFileURL(file).href, TRACER_CHUNK.file], {
          env,
        }),
      ),
    );

    // Assess
    expect(runs.map((r) => r.stdout)).toEqual([
      'function tracer not loaded chunk not read',
      'function IGNORE_ERROR chunk read',
    ]);
  });

  it('are what `cdk synth` deploys: every function asset holds the same bundle and the same tracer chunk', () => {
    // Prepare: the MSK Serverless profile deploys every function (the six services and the topic admin).
    const outdir = join(outDir, 'cdk.out');

    // Act: NodejsFunction's own esbuild and the afterBundling hook (lib/constructs/service-function.ts).
    synthPipeline('dev-serverless', { bundle: true, outdir });
    const assets = readdirSync(outdir)
      .filter((d) => d.startsWith('asset.') && existsSync(join(outdir, d, 'index.mjs')))
      .map((d) => ({
        bundle: readFileSync(join(outdir, d, 'index.mjs'), 'utf8'),
        tracer: readFileSync(join(outdir, d, TRACER_CHUNK.file), 'utf8'),
      }));

    // Assess: byte for byte, so what the bench measures and these tests run is what is deployed.
    const built = [...bundles.values()];
    expect(assets.map((a) => a.bundle).sort()).toEqual(built.map((b) => readFileSync(b.file, 'utf8')).sort());
    for (const [i, asset] of assets.entries()) {
      expect({ i, tracer: asset.tracer }).toEqual({ i, tracer: readFileSync(built[0]?.tracer.file ?? '', 'utf8') });
    }
  });

  describe("the functions' own clients, bundled", () => {
    let dynamo: TestDynamo;
    let probe: BuiltBundle;
    const credentials = {
      AWS_ACCESS_KEY_ID: 'AKIDBUNDLEPROBE',
      AWS_SECRET_ACCESS_KEY: 'bundle-probe-secret',
      AWS_SESSION_TOKEN: 'bundle-probe-session',
    };
    // No home directory with ~/.aws files, no metadata endpoints: only what the environment says.
    const bare = { PATH: process.env.PATH, HOME: join(outDir, 'no-home'), AWS_REGION: 'eu-west-1' };

    beforeAll(async () => {
      dynamo = await startDynamo();
      probe = await buildBundle('probe', 'test/support/bundle-probe.ts', outDir, undefined, 'payment');
    });
    afterAll(() => dynamo.stop());

    it('sign DynamoDB requests with environment credentials', async () => {
      // Act
      const answer = await inFreshProcess(probe.file, 'listTables()', {
        ...bare,
        ...credentials,
        DYNAMODB_ENDPOINT: dynamo.endpoint,
      });

      // Assess
      expect(answer).toEqual({ ok: true, value: expect.arrayContaining([dynamo.tableName('idempotency')]) });
    });

    it('sign an MSK IAM token with environment credentials, session token included', async () => {
      // Act
      const answer = await inFreshProcess(probe.file, "signMskToken('eu-west-1')", { ...bare, ...credentials });

      // Assess
      expect(answer.ok).toBe(true);
      const url = new URL(Buffer.from(String(answer.ok && answer.value), 'base64url').toString('utf8'));
      expect(url.hostname).toBe('kafka.eu-west-1.amazonaws.com');
      expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDBUNDLEPROBE\/\d{8}\/eu-west-1\/kafka-cluster\//);
      expect(url.searchParams.get('X-Amz-Security-Token')).toBe(credentials.AWS_SESSION_TOKEN);
    });

    it('sign the MSK IAM token the signer signs with its own dependencies, at the same instant', async () => {
      // Prepare: the bundles give aws-msk-iam-sasl-signer-js the SDK's SignatureV4 and Node.js's
      // SHA-256 (lib/bundling.ts MSK_SIGNER_SHARED); from source it runs with its own copies.
      const clock = ['--require', join(REPO_ROOT, 'test/support/fixed-clock.cjs')];
      const env = { ...bare, ...credentials, FIXED_CLOCK: '2026-11-30T12:34:56.789Z' };
      const own =
        "require('aws-msk-iam-sasl-signer-js').generateAuthTokenFromCredentialsProvider({region:'eu-west-1'," +
        'awsCredentialsProvider:async()=>({accessKeyId:process.env.AWS_ACCESS_KEY_ID,' +
        'secretAccessKey:process.env.AWS_SECRET_ACCESS_KEY,sessionToken:process.env.AWS_SESSION_TOKEN})})' +
        '.then((t)=>process.stdout.write(t.token))';

      // Act
      const bundled = await inFreshProcess(probe.file, "signMskToken('eu-west-1')", env, clock);
      const signerOwn = await run(process.execPath, [...clock, '-e', own], { env, cwd: REPO_ROOT, encoding: 'utf8' });

      // Assess: the same URL, signature included (a token of another instant would differ).
      expect(signerOwn.stdout).toMatch(/^[A-Za-z0-9_-]{200,}$/);
      expect(bundled).toEqual({ ok: true, value: signerOwn.stdout });
    });

    it('trace their calls with tracing on: a subsegment, and the DynamoDB call under it, reach the X-Ray daemon', async () => {
      // Prepare: a UDP socket stands in for the daemon, as in test/component/tracing.test.ts; the
      // bundle's X-Ray SDK (with the semver stand-in) runs in Lambda mode under a sampled trace.
      const daemon: Socket = createSocket('udp4');
      const received: { name: string; id: string; parent_id?: string; namespace?: string }[] = [];
      daemon.on('message', (datagram) => {
        const [, body] = datagram.toString('utf8').split('\n');
        if (body) received.push(JSON.parse(body));
      });
      await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
      const lambda = {
        LAMBDA_TASK_ROOT: '/var/task',
        AWS_EXECUTION_ENV: `AWS_Lambda_${LAMBDA_NODE_RUNTIME}`,
        _X_AMZN_TRACE_ID: 'Root=1-6745a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1',
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
      };

      try {
        // Act
        const answer = await inFreshProcess(probe.file, 'tracedListTables()', {
          ...bare,
          ...credentials,
          ...lambda,
          DYNAMODB_ENDPOINT: dynamo.endpoint,
        });

        // Assess
        expect(answer).toEqual({ ok: true, value: expect.arrayContaining([dynamo.tableName('idempotency')]) });
        const [handler, call] = await eventually('the subsegments at the daemon', () => {
          const handler = received.find((s) => s.name === '## bundle-probe.handler');
          const call = received.find((s) => s.namespace === 'aws' && s.name === 'DynamoDB');
          return handler && call ? ([handler, call] as const) : undefined;
        });
        expect(call.parent_id).toBe(handler.id);
      } finally {
        daemon.close();
      }
    });

    it('answer a left-out Kafka request with an error naming it and the fix, and only when it is about to be sent', async () => {
      // Act: what kafkajs's protocol table holds for Fetch, used as its lookup uses it.
      const answer = await inFreshProcess(probe.file, "useKafkaRequest('./fetch')", { ...bare, ...credentials });

      // Assess: loading the table (every import of a bundle above) raised nothing; using it does.
      expect(answer).toEqual({
        ok: false,
        error: expect.stringMatching(
          new RegExp(`^${KAFKA_REQUEST_LEFT_OUT} \\./fetch is not in this function bundle: .*KAFKA_PRODUCER_REQUESTS`),
        ),
      });
    });

    it('keep Powertools idempotency working with the JMESPath stand-in: a repeated key is a duplicate', async () => {
      // Act
      const answer = await inFreshProcess(
        probe.file,
        `idempotentRuns(${JSON.stringify(dynamo.tableName('idempotency'))})`,
        {
          ...bare,
          ...credentials,
          DYNAMODB_ENDPOINT: dynamo.endpoint,
        },
      );

      // Assess
      expect(answer).toEqual({ ok: true, value: { answers: ['processed', 'duplicate', 'processed'], effects: 2 } });
    });

    it('look nowhere else for credentials: without them, the environment provider says so', async () => {
      // Act
      const answer = await inFreshProcess(probe.file, 'listTables()', { ...bare, DYNAMODB_ENDPOINT: dynamo.endpoint });

      // Assess
      expect(answer).toEqual({ ok: false, error: 'Unable to find environment variable credentials.' });
    });
  });
});

describe("the parts of a function's initialisation the bench times alone (bench/init-parts.ts)", () => {
  const outDir = mkdtempSync(join(tmpdir(), 'init-parts-test-'));
  const parts = new Map<string, BuiltBundle>();

  beforeAll(async () => {
    for (const part of INIT_PARTS) {
      parts.set(part.name, await buildBundle(part.name, part.entry, outDir, [], INIT_PARTS_BUILT_AS));
    }
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  /** What each part must carry, and what it must not: a part that drifted would time something else. */
  const EXPECTED: Record<string, { carries: readonly string[]; leavesOut: readonly string[]; answer: unknown }> = {
    'tls-and-crypto': { carries: [], leavesOut: ['node_modules/'], answer: ['function', 'function'] },
    'kafka-producer': {
      carries: ['node_modules/kafkajs/src/producer/', 'lambdas/shared/kafka/producer-driver.ts'],
      leavesOut: ['aws-msk-iam-sasl-signer-js', '@aws-sdk/client-dynamodb', '@aws-lambda-powertools/metrics'],
      answer: 'function',
    },
    'kafka-producer-msk-iam': {
      carries: [
        'node_modules/kafkajs/src/producer/',
        'aws-msk-iam-sasl-signer-js',
        'lambdas/shared/kafka/connection.ts',
      ],
      leavesOut: ['@aws-sdk/client-dynamodb', '@aws-lambda-powertools/metrics'],
      answer: 'function',
    },
    'powertools-logger-metrics': {
      carries: ['@aws-lambda-powertools/logger', '@aws-lambda-powertools/metrics'],
      leavesOut: ['kafkajs', '@aws-sdk/client-dynamodb'],
      answer: 'function',
    },
    'dynamodb-client': {
      carries: ['@aws-sdk/client-dynamodb', 'lambdas/shared/aws-clients.ts'],
      leavesOut: ['kafkajs', '@aws-sdk/credential-provider-node'],
      answer: 'function',
    },
  };

  it('has an expectation for every part, and the floor is one of them', () => {
    expect(INIT_PARTS.map((p) => p.name).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(Object.keys(EXPECTED)).toContain(INIT_FLOOR_PART);
  });

  it.each(INIT_PARTS.map((p) => [p.name]))('%s carries its part and nothing a function adds around it', (name) => {
    // Act
    const inputs = bundledInputs(parts.get(name) as BuiltBundle, 'bundle');

    // Assess
    const expected = EXPECTED[name] as (typeof EXPECTED)[string];
    for (const path of expected.carries) expect(inputs.some((i) => i.includes(path))).toBe(true);
    for (const path of expected.leavesOut) expect(inputs.filter((i) => i.includes(path))).toEqual([]);
    expect(inputs.filter((i) => VALIDATORS_MODULE.test(i))).toEqual([]);
  });

  it('tls-and-crypto loads the two Node modules it names', () => {
    // Act
    const source = readFileSync((parts.get('tls-and-crypto') as BuiltBundle).file, 'utf8');

    // Assess: esbuild drops an unused import of a built-in, so the probe must keep them.
    expect(source).toMatch(/from"node:tls"/);
    expect(source).toMatch(/from"node:crypto"/);
  });

  it.each(INIT_PARTS.map((p) => [p.name]))(
    '%s initialises in a fresh process with the stacks environment and its handler answers',
    async (name) => {
      // Act
      const answer = await inFreshProcess((parts.get(name) as BuiltBundle).file, 'handler()', lambdaLikeEnv());

      // Assess
      expect(answer).toEqual({ ok: true, value: (EXPECTED[name] as (typeof EXPECTED)[string]).answer });
    },
  );
});
