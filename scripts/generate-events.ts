/**
 * Writes the files derived from the schemas (see scripts/events-codegen.ts), or with `--check`
 * only reports which are stale and exits 1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_ROOT, renderAll } from './events-codegen';

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const [path, content] of Object.entries(await renderAll())) {
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
