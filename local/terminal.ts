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

/** "12.3 MB", "850 kB", "512 B": decimal units. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  if (bytes >= 1_000) return `${Math.round(bytes / 1_000)} kB`;
  return `${bytes} B`;
}

export function formatSeconds(ms: number): string {
  return `${Math.floor(ms / 1_000)} s`;
}

export interface DownloadProgress {
  /** Files and bytes fetched so far. */
  readonly files: number;
  readonly bytes: number;
  /** What had to be fetched (files already in place are not counted). */
  readonly totalFiles: number;
  readonly totalBytes: number;
  readonly elapsedMs: number;
}

export function formatDownloadProgress(what: string, progress: DownloadProgress): string {
  return (
    `  still fetching ${what}: ${progress.files} of ${progress.totalFiles} files, ` +
    `${formatBytes(progress.bytes)} of ${formatBytes(progress.totalBytes)}, ${formatSeconds(progress.elapsedMs)}`
  );
}

/** The closing line of a download: what arrived, or that everything was already there. */
export function formatDownloadDone(what: string, progress: DownloadProgress): string {
  const source =
    progress.totalFiles === 0
      ? 'already downloaded'
      : `${progress.files} file${progress.files === 1 ? '' : 's'}, ${formatBytes(progress.bytes)} downloaded`;
  return `${what} ready (${source}; ${formatSeconds(progress.elapsedMs)}).`;
}

export function formatWaiting(what: string, elapsedMs: number, detail: string): string {
  return `  waiting for ${what}: ${formatSeconds(elapsedMs)} (${detail})`;
}
