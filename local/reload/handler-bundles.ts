/**
 * Fresh code for the functions while `npm start` runs: esbuild bundles each function's handler with
 * the project code it imports (node_modules stay outside, required from the repository by absolute
 * path, so a bundle loads from any folder and the SDK is not loaded twice), and each bundle gets a
 * new file name, so requiring it loads a new module graph instead of the cached one.
 */

import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, formatMessages, type Message, type Plugin } from 'esbuild';
import { ALL_VALIDATORS_PATH, VALIDATORS_IMPORT } from '../../lib/bundling';
import { SERVICE_SPECS, type ServiceName } from '../../lib/topology';

export interface BuiltHandler {
  readonly service: ServiceName;
  readonly code: string;
}

export type BundleResult =
  | { readonly ok: true; readonly handlers: readonly BuiltHandler[] }
  | { readonly ok: false; readonly errors: string };

/** Package imports stay `require()`s, pointed at the file Node would load from the source tree. */
function externalPackages(root: string): Plugin {
  return {
    name: 'external-packages',
    setup(plugin) {
      plugin.onResolve({ filter: /^[^./]/ }, (args) => {
        try {
          return { path: require.resolve(args.path, { paths: [args.resolveDir || root] }), external: true };
        } catch {
          return undefined; // esbuild reports it as unresolvable, with the importing file
        }
      });
    },
  };
}

/**
 * One bundle's entry: the handler and what disposes of its execution environment (the producer
 * every handler module of that function shares).
 */
function entryOf(service: ServiceName): string {
  const entry = `./${SERVICE_SPECS[service].entry.replace(/\.ts$/, '')}`;
  return [
    `export { handler } from '${entry}';`,
    "export { disconnectSharedProducers } from './lambdas/shared/kafka/kafka-handler';",
  ].join('\n');
}

/** Bundles every function from the sources under `root`; a syntax or import error fails them all. */
export async function bundleHandlers(root: string, services: readonly ServiceName[]): Promise<BundleResult> {
  const results = await Promise.allSettled(
    services.map((service) =>
      build({
        stdin: { contents: entryOf(service), resolveDir: root, sourcefile: `${service}.reload.ts`, loader: 'ts' },
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        sourcemap: 'inline',
        sourcesContent: false,
        write: false,
        logLevel: 'silent',
        // From the watched sources, not through package.json "imports": the tree may be a copy.
        absWorkingDir: root,
        alias: { [VALIDATORS_IMPORT]: `./${ALL_VALIDATORS_PATH}` },
        plugins: [externalPackages(root)],
      }),
    ),
  );
  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [(result.reason as { errors?: Message[] }).errors ?? []] : [],
  );
  if (failures.length > 0) {
    const unique = new Map(failures.flat().map((m) => [`${m.location?.file}:${m.location?.line}:${m.text}`, m]));
    const text = await formatMessages([...unique.values()], { kind: 'error', color: false });
    return { ok: false, errors: text.join('').trim() };
  }
  return {
    ok: true,
    handlers: results.map((result, i) => ({
      service: services[i] as ServiceName,
      code: (result as PromiseFulfilledResult<{ outputFiles: { text: string }[] }>).value.outputFiles[0]?.text ?? '',
    })),
  };
}

/**
 * Writes a bundle to a file of its own and loads it: a new module graph, with its own producer.
 * The function's earlier bundles are deleted (a loaded module no longer needs its file), so the
 * folder holds the code each function runs now.
 */
export function loadBundle<M>(dir: string, service: ServiceName, generation: number, code: string): M {
  mkdirSync(dir, { recursive: true });
  const name = `${service}.${generation}.cjs`;
  const file = join(dir, name);
  writeFileSync(file, code);
  const loaded = require(file) as M;
  // The module stays alive through its handler; the cache entry would only keep it after that.
  delete require.cache[require.resolve(file)];
  for (const old of readdirSync(dir)) {
    if (old.startsWith(`${service}.`) && old !== name) rmSync(join(dir, old), { force: true });
  }
  return loaded;
}
