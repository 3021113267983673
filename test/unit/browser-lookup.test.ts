/**
 * How the console test finds its browser: CHROMIUM_EXECUTABLE, else a system Chrome or Chromium in
 * the search folders, else the packaged Chromium on Linux x64, else an error that says what to do.
 * (The packaged Chromium itself is launched by test/integration/watching.test.ts.)
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { consoleTestBrowser, findSystemBrowser } from '../support/browser';

describe('Function: findSystemBrowser', () => {
  let root: string;

  /** A fake executable (or a plain file, when not executable) at root/<folder>/<name>. */
  const place = (folder: string, name: string, isExecutable = true) => {
    mkdirSync(join(root, folder), { recursive: true });
    writeFileSync(join(root, folder, name), '#!/bin/sh\n');
    chmodSync(join(root, folder, name), isExecutable ? 0o755 : 0o644);
    return join(root, folder, name);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'browser-lookup-'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds chromium, chromium-browser or google-chrome in PATH, in folder order', () => {
    // Prepare
    place('a', 'other-tool');
    const chrome = place('b', 'google-chrome');
    place('c', 'chromium');

    // Act
    const found = findSystemBrowser({ PATH: ['a', 'b', 'c'].map((f) => join(root, f)).join(delimiter) }, 'linux');

    // Assess
    expect(found).toBe(chrome);
  });

  it('skips a file of that name that is not executable', () => {
    // Prepare
    place('a', 'chromium', false);
    const real = place('b', 'chromium-browser');

    // Act
    const found = findSystemBrowser({ PATH: `${join(root, 'a')}${delimiter}${join(root, 'b')}` }, 'linux');

    // Assess
    expect(found).toBe(real);
  });

  it('searches CHROMIUM_SEARCH_PATH instead of PATH when it is set', () => {
    // Prepare
    place('in-path', 'chromium');
    const chosen = place('chosen', 'chromium');

    // Act
    const found = findSystemBrowser(
      { PATH: join(root, 'in-path'), CHROMIUM_SEARCH_PATH: join(root, 'chosen') },
      'linux',
    );

    // Assess
    expect(found).toBe(chosen);
  });

  it('searches nowhere when CHROMIUM_SEARCH_PATH is empty, /Applications included', () => {
    // Prepare
    place('in-path', 'chromium');

    // Act
    const found = findSystemBrowser({ PATH: join(root, 'in-path'), CHROMIUM_SEARCH_PATH: '' }, 'darwin');

    // Assess
    expect(found).toBeUndefined();
  });
});

describe('Function: consoleTestBrowser', () => {
  it('takes CHROMIUM_EXECUTABLE over any other, and refuses one that does not exist', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'browser-explicit-'));
    const explicit = join(dir, 'my-chrome');
    writeFileSync(explicit, '');

    // Act
    const browser = await consoleTestBrowser({ CHROMIUM_EXECUTABLE: explicit, CHROMIUM_SEARCH_PATH: '' }, 'linux');
    const missing = consoleTestBrowser({ CHROMIUM_EXECUTABLE: join(dir, 'nope') }, 'linux');

    // Assess
    expect(browser).toEqual({ executablePath: explicit, source: 'CHROMIUM_EXECUTABLE' });
    await expect(missing).rejects.toThrow(`CHROMIUM_EXECUTABLE is ${join(dir, 'nope')}, which does not exist.`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says what to install where neither a system browser nor the packaged build can serve', async () => {
    // Act
    const lookup = consoleTestBrowser({ CHROMIUM_SEARCH_PATH: '' }, 'darwin', 'arm64');

    // Assess
    await expect(lookup).rejects.toThrow(
      /No Chrome or Chromium found .* \(searched chromium, chromium-browser, google-chrome, google-chrome-stable in CHROMIUM_SEARCH_PATH and \/Applications\), and @sparticuz\/chromium ships a build for Linux x64 only\. Install Google Chrome or Chromium, or set CHROMIUM_EXECUTABLE/,
    );
  });
});
