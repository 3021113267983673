/**
 * The headless browser of the console test, found without a browser download: a Chrome or Chromium
 * already on the machine, else the Chromium build that the @sparticuz/chromium npm package carries
 * in its tarball (Linux x64), unpacked once into .cache/.
 *
 * Overrides, for a machine where the search guesses wrong (and to prove the fallback):
 * - CHROMIUM_EXECUTABLE: this browser, nothing else.
 * - CHROMIUM_SEARCH_PATH: the folders searched for a system browser instead of PATH (and, on macOS,
 *   instead of /Applications); empty searches nowhere, so the packaged Chromium is used.
 */
import {
  accessSync,
  constants,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';

export interface Browser {
  readonly executablePath: string;
  /** Where it came from, for the test's log and error messages. */
  readonly source: 'CHROMIUM_EXECUTABLE' | 'system' | '@sparticuz/chromium';
}

const SYSTEM_BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const MACOS_APPS = [
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];
const REPO_ROOT = join(__dirname, '..', '..');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first Chrome or Chromium in the search folders (PATH unless overridden), or undefined. */
export function findSystemBrowser(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  const override = env.CHROMIUM_SEARCH_PATH;
  const folders = (override ?? env.PATH ?? '').split(delimiter).filter(Boolean);
  const candidates = [
    ...folders.flatMap((folder) => SYSTEM_BROWSERS.map((name) => join(folder, name))),
    ...(platform === 'darwin' && override === undefined ? MACOS_APPS : []),
  ];
  return candidates.find(executable);
}

/** Unpacks the package's brotli-compressed Chromium once; later calls reuse it. */
async function packagedChromium(): Promise<string> {
  const entry = require.resolve('@sparticuz/chromium');
  const packageDir = join(dirname(entry), '..', '..');
  const { version } = require(join(packageDir, 'package.json')) as { version: string };
  const target = join(REPO_ROOT, '.cache', `chromium-${version}`, 'chromium');
  if (executable(target)) return target;
  mkdirSync(dirname(target), { recursive: true });
  // Each process unpacks to a file of its own and renames it into place, so two test workers
  // starting at once cannot see half a binary.
  const partial = `${target}.${process.pid}.part`;
  try {
    await pipeline(
      createReadStream(join(packageDir, 'bin', 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(partial, { mode: 0o755 }),
    );
    renameSync(partial, target);
  } finally {
    rmSync(partial, { force: true });
  }
  return target;
}

export async function consoleTestBrowser(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): Promise<Browser> {
  const explicit = env.CHROMIUM_EXECUTABLE;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`CHROMIUM_EXECUTABLE is ${explicit}, which does not exist.`);
    return { executablePath: explicit, source: 'CHROMIUM_EXECUTABLE' };
  }
  const system = findSystemBrowser(env, platform);
  if (system) return { executablePath: system, source: 'system' };
  if (platform === 'linux' && arch === 'x64')
    return { executablePath: await packagedChromium(), source: '@sparticuz/chromium' };
  throw new Error(
    `No Chrome or Chromium found for the console test (searched ${SYSTEM_BROWSERS.join(', ')} in ` +
      `${env.CHROMIUM_SEARCH_PATH === undefined ? 'PATH' : 'CHROMIUM_SEARCH_PATH'}` +
      `${platform === 'darwin' ? ' and /Applications' : ''}), and @sparticuz/chromium ships a build for Linux x64 only. ` +
      'Install Google Chrome or Chromium, or set CHROMIUM_EXECUTABLE to one.',
  );
}
