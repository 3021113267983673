/**
 * One local runtime at a time on the shared test broker: two runtimes would join the same service
 * consumer groups and handle each other's orders against their own dynalite. Test files that start
 * a LocalRuntime hold this lock (a file next to the broker) while their runtime runs; jest may run
 * those files in parallel workers.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { localDir } from '../../local/paths';

const LOCK = join(localDir(), 'test-broker', 'runtime.lock');
const POLL_MS = 200;

export async function acquireRuntimeLock(): Promise<() => void> {
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(LOCK, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (holderIsGone()) rmSync(LOCK, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

/** A lock left by a worker that died (its pid is no longer running). */
function holderIsGone(): boolean {
  try {
    process.kill(Number(readFileSync(LOCK, 'utf8')), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
