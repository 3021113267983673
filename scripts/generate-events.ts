/**
 * Writes the files derived from the topology and the schemas (see scripts/events-codegen.ts and
 * scripts/asyncapi.ts), or with `--check` only reports which are stale and exits 1. `--docs` limits
 * either to the documents under docs/ (`npm run docs`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ASYNCAPI_PATH, renderAsyncApi } from './asyncapi';
import { REPO_ROOT, renderAll } from './events-codegen';

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const docsOnly = process.argv.includes('--docs');
  const files: Record<string, string> = { ...(await renderAll()), [ASYNCAPI_PATH]: renderAsyncApi() };
  const stale: string[] = [];
  for (const [path, content] of Object.entries(files)) {
    if (docsOnly && !path.startsWith(join(REPO_ROOT, 'docs'))) continue;
    const name = relative(REPO_ROOT, path);
    if (check) {
      let current = '';
      try {
        current = readFileSync(path, 'utf8');
      } catch {
        // A missing file is stale too.
      }
      if (current !== content) stale.push(name);
      continue;
    }
    writeFileSync(path, content);
    console.log(`wrote ${name}`);
  }
  if (stale.length > 0) {
    console.error(`stale generated files (run \`npm run generate\`): ${stale.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
