/**
 * The Kafka broker's watchdog: a small Node process beside the broker (KafkaBroker starts it) that
 * stops the broker once the process that started it is gone, however it went (SIGKILL, a crash, an
 * OOM kill), so that no orphaned broker holds its ports into the next run.
 *
 * Why a process, and why a pipe: the broker is Java and cannot be told to watch its parent, and Node
 * cannot ask the kernel to signal a child when its parent dies (Linux's PR_SET_PDEATHSIG is out of
 * reach; macOS has none). The watchdog's stdin is a pipe whose only write end the parent holds
 * (libuv opens it close-on-exec, so no later child inherits it): the kernel closes it whenever the
 * parent ends, and the watchdog reads end-of-file. The broker stays the parent's own child, rather
 * than the watchdog's, so that stop(), its pid and its process group work as before.
 *
 * It runs on Node's own type stripping where the Node has it (no tsx: half the memory, no esbuild
 * process beside it), so it imports only node: modules and uses only erasable TypeScript.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface WatchdogOptions {
  readonly brokerPid: number;
  /** How long the broker may take to shut down after SIGTERM before it is killed. */
  readonly graceMs: number;
  /**
   * The broker sits in a process group of its own (BrokerOptions.ownProcessGroup): a Ctrl-C or a
   * closed terminal, which reach this process in its parent's group, must not end the watch before
   * the parent's orderly stop, which ends it.
   */
  readonly ignoreTerminalSignals: boolean;
}

export type WatchdogStep = 'wait' | 'terminate' | 'kill' | 'exit';

/** What to do now; pure, so that the order of the checks is tested without processes. */
export function nextStep(state: {
  /** Still the process the watch began with (not gone, no zombie, its pid not reused). */
  readonly brokerAlive: boolean;
  readonly parentGone: boolean;
  readonly terminatedAt: number | undefined;
  readonly now: number;
  readonly graceMs: number;
}): WatchdogStep {
  // First: a broker that is gone leaves nothing to guard, and its pid may be someone else's soon.
  if (!state.brokerAlive) return 'exit';
  if (!state.parentGone) return 'wait';
  if (state.terminatedAt === undefined) return 'terminate';
  return state.now - state.terminatedAt >= state.graceMs ? 'kill' : 'wait';
}

/** The state and start time (clock ticks since boot) from a /proc/<pid>/stat line. */
export function parseProcStat(stat: string): { readonly state: string; readonly startTime: string } | undefined {
  // The command name, in parentheses, may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [state, startTime] = [fields[0], fields[19]];
  return state && startTime ? { state, startTime } : undefined;
}

const HAS_PROC = existsSync('/proc/self/stat');

/**
 * Something that tells this process apart from a later one with the same pid (its start time, on
 * Linux), or undefined once it has ended. A zombie has ended: nobody may have reaped the orphan yet.
 */
export function processIdentity(pid: number): string | undefined {
  if (HAS_PROC) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
    const parsed = parseProcStat(stat);
    return parsed && parsed.state !== 'Z' && parsed.state !== 'X' ? parsed.startTime : undefined;
  }
  // Elsewhere (macOS) only existence: pids there are reused far too slowly to matter within a poll.
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch {
    // ESRCH: gone; EPERM: someone else's process, so not the broker either.
    return undefined;
  }
}

/** Often enough to follow a broker that ends; a stat read twice a second costs nothing. */
const POLL_MS = 500;

/** The watchdog process's entry (see KafkaBroker): watches until the broker is gone, then exits. */
export function watchBroker(options: WatchdogOptions): void {
  const { brokerPid, graceMs } = options;
  const identity = processIdentity(brokerPid);
  let parentGone = false;
  let terminatedAt: number | undefined;
  const say = (line: string) => process.stderr.write(`[${new Date().toISOString()}] broker watchdog: ${line}\n`);
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(brokerPid, name);
    } catch {
      // ended meanwhile
    }
  };
  const tick = () => {
    const brokerAlive = identity !== undefined && processIdentity(brokerPid) === identity;
    switch (nextStep({ brokerAlive, parentGone, terminatedAt, now: Date.now(), graceMs })) {
      case 'wait':
        return;
      case 'terminate':
        say(`the process that started Kafka is gone; stopping Kafka (pid ${brokerPid}, SIGTERM)`);
        signal('SIGTERM');
        terminatedAt = Date.now();
        return;
      case 'kill':
        say(`Kafka (pid ${brokerPid}) did not stop within ${graceMs / 1000} s; killing it`);
        signal('SIGKILL');
        process.exit(0);
        return;
      case 'exit':
        process.exit(0);
    }
  };
  if (options.ignoreTerminalSignals) {
    process.on('SIGINT', () => undefined);
    process.on('SIGHUP', () => undefined);
  }
  const parentEnded = () => {
    if (parentGone) return;
    parentGone = true;
    tick();
  };
  // Nothing is ever written: end-of-file (or an error, which no live parent causes) is the message.
  process.stdin.on('end', parentEnded).on('close', parentEnded).on('error', parentEnded).resume();
  setInterval(tick, POLL_MS);
  say(`watching Kafka (pid ${brokerPid})`);
  tick();
}
