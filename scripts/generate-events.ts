/** Writes the files derived from the event schemas (see scripts/events-codegen.ts). */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_ROOT, renderAll } from './events-codegen';

async function main(): Promise<void> {
  for (const [path, content] of Object.entries(await renderAll())) {
    writeFileSync(path, content);
    console.log(`wrote ${relative(REPO_ROOT, path)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
