/**
 * Type-checks the functions' sources off the main thread, so the pipeline keeps serving while it
 * runs: a worker keeps one TypeScript program in memory (the handler entries and everything they
 * import, with the repository's compiler options) and re-checks only what changed since the last
 * check, reusing the parsed files whose modification time is unchanged.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export type TypeCheckResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly errors: string; readonly count: number };

/** The worker, as plain JavaScript: it runs wherever the runtime runs (tsx, jest), with no loader. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const ts = require(workerData.typescript);
const parsed = ts.getParsedCommandLineOfConfigFile(workerData.tsconfig, { types: ['node'], noEmit: true }, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\\n')); },
});
const options = parsed.options;
const host = ts.createCompilerHost(options);
const cache = new Map();
const getSourceFile = host.getSourceFile.bind(host);
host.getSourceFile = (fileName, languageVersion, onError) => {
  let mtime = 0;
  try { mtime = statSync(fileName).mtimeMs; } catch {}
  const cached = cache.get(fileName);
  if (cached && cached.mtime === mtime) return cached.file;
  const file = getSourceFile(fileName, languageVersion, onError);
  if (file) { file.version = String(mtime); cache.set(fileName, { mtime, file }); }
  return file;
};
const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => workerData.root, getNewLine: () => '\\n' };
let builder;
parentPort.on('message', () => {
  builder = ts.createSemanticDiagnosticsBuilderProgram(workerData.roots, options, host, builder);
  const diagnostics = [
    ...builder.getOptionsDiagnostics(),
    ...builder.getGlobalDiagnostics(),
    ...builder.getSyntacticDiagnostics(),
    ...builder.getSemanticDiagnostics(),
  ];
  parentPort.postMessage({ count: diagnostics.length, errors: ts.formatDiagnostics(diagnostics, formatHost) });
});
`;

export class TypeChecker {
  private readonly worker: Worker;
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  /** `root`: the source tree; `entries`: the handler files, relative to it. */
  constructor(root: string, entries: readonly string[]) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        root,
        tsconfig: join(root, 'tsconfig.json'),
        roots: entries.map((entry) => join(root, entry)),
        typescript: require.resolve('typescript', { paths: [root] }),
      },
    });
    // A check in progress must not keep the process alive on its own.
    this.worker.unref();
  }

  /** Checks the current sources; checks run one after the other. */
  check(): Promise<TypeCheckResult> {
    const run = this.queue.then(
      () =>
        new Promise<TypeCheckResult>((resolve, reject) => {
          if (this.stopped) {
            reject(new Error('the type checker stopped'));
            return;
          }
          const onError = (error: Error) => settle(() => reject(error));
          const onExit = () => settle(() => reject(new Error('the type checker stopped')));
          const onMessage = (result: { count: number; errors: string }) =>
            settle(() =>
              resolve(
                result.count === 0 ? { ok: true } : { ok: false, errors: result.errors.trim(), count: result.count },
              ),
            );
          const settle = (done: () => void) => {
            this.worker.off('error', onError).off('exit', onExit).off('message', onMessage);
            done();
          };
          this.worker.once('error', onError).once('exit', onExit).once('message', onMessage);
          this.worker.postMessage('check');
        }),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.worker.terminate();
  }
}
