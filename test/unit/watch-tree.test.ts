/**
 * The folder watcher behind reload on save, on real files: it keeps hearing a file that is saved by
 * writing a new file and renaming it over the old one (as editors, sed -i and git do), and it
 * watches folders created after it started.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TreeWatcher, watchTree } from '../../local/reload/watch-tree';

describe('Function: watchTree', () => {
  let root: string;
  let watcher: TreeWatcher;
  let heard: string[];

  /** Waits until `file` has been reported `times` times in all (bounded). */
  const heardOf = async (file: string, times = 1) => {
    const deadline = Date.now() + 10_000;
    while (heard.filter((f) => f === file).length < times) {
      if (Date.now() > deadline) throw new Error(`${file} not reported ${times} time(s); heard ${heard.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  /** Saves a file the way editors do: a new file, renamed over the old one. */
  const saveAtomically = (file: string, text: string) => {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'watch-tree-'));
    mkdirSync(join(root, 'shipping'));
    writeFileSync(join(root, 'shipping', 'core.ts'), 'v1');
    heard = [];
    watcher = watchTree(root, (file) => heard.push(file));
  });

  afterEach(() => {
    watcher.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('hears a file saved by rename, again and again', async () => {
    // Act and assess: each save is heard, the second and third after the file's inode changed.
    const core = join(root, 'shipping', 'core.ts');
    saveAtomically(core, 'v2');
    await heardOf(join('shipping', 'core.ts'), 1);
    const afterFirst = heard.length;
    saveAtomically(core, 'v3');
    await heardOf(join('shipping', 'core.ts'), 2);
    expect(heard.length).toBeGreaterThan(afterFirst);
    writeFileSync(core, 'v4');
    await heardOf(join('shipping', 'core.ts'), 3);
  });

  it('watches a folder created after it started, and reports the files found in it', async () => {
    // Act
    mkdirSync(join(root, 'billing'));
    writeFileSync(join(root, 'billing', 'core.ts'), 'new service');

    // Assess: heard from the new folder's watcher, or found when that watcher was added.
    await heardOf(join('billing', 'core.ts'));
    const timesBefore = heard.filter((f) => f === join('billing', 'core.ts')).length;
    saveAtomically(join(root, 'billing', 'core.ts'), 'changed');
    await heardOf(join('billing', 'core.ts'), timesBefore + 1);
  });
});
