/**
 * Fetches pinned jars from a Maven repository as plain HTTPS files: each one streamed to a
 * temporary file while it is hashed, checked against the SHA-1 the repository publishes beside it
 * and against the pin, then renamed into place. A jar already there with the right hash is kept, so
 * an interrupted download resumes where it stopped.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { jarFileName, jarUrl, type PinnedJar } from './kafka-jars';
import type { DownloadProgress } from './terminal';

export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

/** The repository's checksum disagrees with the pin: trying again cannot help. */
export class PinMismatchError extends DownloadError {
  constructor(message: string) {
    super(message);
    this.name = 'PinMismatchError';
  }
}

export interface DownloadOptions {
  readonly jars: readonly PinnedJar[];
  /** Folder the jars end up in. */
  readonly dir: string;
  /** Base URL of a repository laid out as Maven Central is. */
  readonly repository: string;
  /** Called every few seconds, and once at the end. */
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** @default 4 */
  readonly concurrency?: number;
  /** Tries per file before giving up on a network error. @default 3 */
  readonly attempts?: number;
}

const PROGRESS_INTERVAL_MS = 5_000;
/** One jar may take this long at most (the largest is 10 MB). */
const FILE_TIMEOUT_MS = 5 * 60_000;

async function sha1Of(file: string): Promise<string> {
  const hash = createHash('sha1');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Maven's .sha1 files hold the hex digest, sometimes followed by the file name. */
async function publishedSha1(url: string): Promise<string> {
  const response = await fetch(`${url}.sha1`, { signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new DownloadError(`${url}.sha1 answered HTTP ${response.status}`);
  const digest = (await response.text()).trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{40}$/.test(digest)) throw new DownloadError(`${url}.sha1 holds no SHA-1 ("${digest.slice(0, 60)}")`);
  return digest;
}

async function fetchVerified(jar: PinnedJar, target: string, repository: string, counted: (n: number) => void) {
  const url = jarUrl(jar.coordinates, repository);
  const published = await publishedSha1(url);
  if (published !== jar.sha1) {
    throw new PinMismatchError(
      `${url}.sha1 says ${published}, but local/kafka-jars.ts pins ${jar.sha1} for ${jar.coordinates}. ` +
        'Either the repository serves another build of this jar, or the pin is wrong: re-pin it with scripts/pin-kafka-jars.ts only if you trust the repository.',
    );
  }
  const response = await fetch(url, { signal: AbortSignal.timeout(FILE_TIMEOUT_MS) });
  if (!response.ok || !response.body) throw new DownloadError(`${url} answered HTTP ${response.status}`);
  const hash = createHash('sha1');
  const partial = `${target}.part`;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      counted(chunk.length);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream), meter, createWriteStream(partial));
    const actual = hash.digest('hex');
    if (actual !== jar.sha1) {
      throw new DownloadError(`${url} arrived with SHA-1 ${actual}, not the published ${jar.sha1}; try again.`);
    }
    renameSync(partial, target);
  } finally {
    rmSync(partial, { force: true });
  }
}

async function fetchWithRetries(
  jar: PinnedJar,
  target: string,
  options: DownloadOptions,
  counted: (n: number) => void,
): Promise<number> {
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    let received = 0;
    try {
      await fetchVerified(jar, target, options.repository, (n) => {
        received += n;
        counted(n);
      });
      return received;
    } catch (error) {
      counted(-received);
      if (attempt >= attempts || error instanceof PinMismatchError) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new DownloadError(
          `Could not fetch ${jar.coordinates} from ${options.repository} (${attempt} ${attempt === 1 ? 'try' : 'tries'}): ${reason}`,
        );
      }
    }
  }
}

/** Makes sure every jar is in `dir` with its pinned hash; returns what it had to download. */
export async function downloadJars(options: DownloadOptions): Promise<DownloadProgress> {
  mkdirSync(options.dir, { recursive: true });
  const started = Date.now();
  const progress = { files: 0, bytes: 0 };
  const missing: PinnedJar[] = [];
  for (const jar of options.jars) {
    const target = join(options.dir, jarFileName(jar.coordinates));
    if (existsSync(target) && (await sha1Of(target)) === jar.sha1) continue;
    rmSync(target, { force: true });
    missing.push(jar);
  }
  const totals = {
    totalFiles: missing.length,
    totalBytes: missing.reduce((sum, jar) => sum + jar.bytes, 0),
  };
  const report = () => options.onProgress?.({ ...progress, ...totals, elapsedMs: Date.now() - started });
  const timer = setInterval(report, PROGRESS_INTERVAL_MS);
  try {
    const queue = [...missing];
    const worker = async () => {
      for (let jar = queue.shift(); jar; jar = queue.shift()) {
        const target = join(options.dir, jarFileName(jar.coordinates));
        try {
          await fetchWithRetries(jar, target, options, (n) => {
            progress.bytes += n;
          });
        } catch (error) {
          queue.length = 0; // the other workers finish their current file and stop
          throw error;
        }
        progress.files++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, worker));
  } finally {
    clearInterval(timer);
  }
  return { ...progress, ...totals, elapsedMs: Date.now() - started };
}
