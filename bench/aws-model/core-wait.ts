/**
 * How long this process's main thread has waited for a core: Linux keeps it per thread in
 * /proc/self/schedstat (time on a CPU, time runnable but waiting, in nanoseconds). On a shared
 * machine that wait is the machine's, not AWS's, so the model takes it out. Read with one open file,
 * so a reading costs microseconds; a clock that always reads 0 where the file does not exist.
 */
import { openSync, readSync } from 'node:fs';

export function coreWaitClock(): { readonly available: boolean; readonly readMs: () => number } {
  let fd: number;
  try {
    fd = openSync('/proc/self/schedstat', 'r');
  } catch {
    return { available: false, readMs: () => 0 };
  }
  const buffer = Buffer.alloc(128);
  return {
    available: true,
    readMs: () => {
      const length = readSync(fd, buffer, 0, buffer.length, 0);
      return Number(buffer.toString('latin1', 0, length).split(' ')[1] ?? 0) / 1e6;
    },
  };
}
