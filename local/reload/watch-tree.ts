/**
 * Watches every folder of a source tree, one non-recursive watcher per folder. Node 20's recursive
 * fs.watch on Linux watches each file's inode, so it goes deaf to a file once an editor (or sed -i,
 * or git) saves it by writing a new file and renaming it over the old one; a folder's watcher sees
 * every save, however it is written. New folders are watched as they appear, and the files found in
 * them reported (they may have been written before their folder's watcher existed).
 */
import { type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import { join, relative } from 'node:path';

export interface TreeWatcher {
  close(): void;
}

/** Calls `onChange` with the path (relative to `root`) of every file created, changed or renamed. */
export function watchTree(
  root: string,
  onChange: (file: string) => void,
  onError: (error: Error) => void = () => undefined,
): TreeWatcher {
  const watchers = new Map<string, FSWatcher>();
  const add = (dir: string) => {
    if (watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, name) => {
        if (!name) return;
        const path = join(dir, name.toString());
        if (isDirectory(path)) addTree(path, true);
        else onChange(relative(root, path));
      });
    } catch (error) {
      onError(error as Error);
      return;
    }
    watcher.on('error', (error) => {
      // A folder that was deleted stops its watcher; nothing else is lost.
      watchers.delete(dir);
      watcher.close();
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') onError(error);
    });
    watchers.set(dir, watcher);
  };
  /** Watches `dir` and the folders in it; `fresh`: a folder that appeared later, whose files are news. */
  const addTree = (dir: string, fresh: boolean) => {
    add(dir);
    for (const entry of safeReaddir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') addTree(path, fresh);
      else if (fresh && entry.isFile()) onChange(relative(root, path));
    }
  };
  addTree(root, false);
  return {
    close() {
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function safeReaddir(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
