/**
 * CPU time of the processes a local benchmark runs: its own (process.cpuUsage: every thread) and
 * another process's from Linux's /proc/<pid>/stat (utime + stime, in clock ticks of 1/100 s, the
 * kernel's USER_HZ on Linux), e.g. the Kafka broker's. Where /proc cannot be read, the other
 * process's time is unknown (undefined) rather than guessed.
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** Total CPU time of another process so far, ms; undefined where Linux's /proc is not there. */
export function otherProcessCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return parseProcStatCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** utime + stime of a /proc/<pid>/stat line, ms. The command name may hold spaces: fields count from its ')'. */
export function parseProcStatCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3 of the line, utime 14 and stime 15, so 11 and 12 from here.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`not a /proc/<pid>/stat line: ${stat}`);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** This process's CPU time so far, ms (every thread). */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
