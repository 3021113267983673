/**
 * What the local runtime prints for a person watching: colours by service (only on a terminal, or
 * when asked for) and progress lines for the slow steps (the Kafka download, the broker start).
 */
import { SERVICES, type ServiceName } from '../lib/topology';

/**
 * Colours follow the usual conventions, in Node's precedence: FORCE_COLOR forces them on (off when
 * it is 0 or false), otherwise NO_COLOR turns them off, otherwise they are on for a terminal only.
 */
export function colourEnabled(env: NodeJS.ProcessEnv, isTTY: boolean | undefined): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY === true;
}

/** One ANSI foreground colour per service, by its place in the topology, so it stays the same run to run. */
const SERVICE_PALETTE = [36, 33, 35, 32, 34, 91] as const;

export function serviceColour(service: ServiceName): number {
  return SERVICE_PALETTE[SERVICES.indexOf(service) % SERVICE_PALETTE.length] as number;
}

export function paint(text: string, colour: number, enabled: boolean): string {
  return enabled ? `\u001b[${colour}m${text}\u001b[39m` : text;
}

/** "12.3 MB", "850 kB", "512 B": decimal units, as Maven prints them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  if (bytes >= 1_000) return `${Math.round(bytes / 1_000)} kB`;
  return `${bytes} B`;
}

export function formatSeconds(ms: number): string {
  return `${Math.floor(ms / 1_000)} s`;
}

export interface DownloadProgress {
  readonly files: number;
  readonly bytes: number;
  readonly elapsedMs: number;
}

export function formatDownloadProgress(what: string, progress: DownloadProgress): string {
  const done =
    progress.files === 0
      ? 'Maven is resolving, nothing downloaded yet'
      : `${progress.files} file${progress.files === 1 ? '' : 's'} downloaded, ${formatBytes(progress.bytes)}`;
  return `  still fetching ${what}: ${done}, ${formatSeconds(progress.elapsedMs)}`;
}

/** The closing line of a download: what arrived, or that Maven had everything in its local repository. */
export function formatDownloadDone(what: string, progress: DownloadProgress): string {
  const source =
    progress.files === 0
      ? 'all from the local Maven repository'
      : `${progress.files} files, ${formatBytes(progress.bytes)} downloaded`;
  return `${what} ready (${source}; ${formatSeconds(progress.elapsedMs)}).`;
}

const MAVEN_UNITS: Record<string, number> = { B: 1, kB: 1_000, KB: 1_000, MB: 1_000_000, GB: 1_000_000_000 };

/**
 * The bytes of one finished transfer from a Maven output line such as
 * `[INFO] Downloaded from central: https://.../kafka_2.13-4.1.2.jar (6.6 MB at 5.2 MB/s)`;
 * undefined for any other line.
 */
export function mavenDownloadedBytes(line: string): number | undefined {
  const match = /Downloaded from [^:]+: \S+ \((\d+(?:\.\d+)?) (B|kB|KB|MB|GB)\b/.exec(line);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * (MAVEN_UNITS[match[2] as string] as number));
}

export function formatWaiting(what: string, elapsedMs: number, detail: string): string {
  return `  waiting for ${what}: ${formatSeconds(elapsedMs)} (${detail})`;
}
