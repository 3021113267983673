/**
 * Reload on save for `npm start`: watches lambdas/ and lib/ and, on a change, rebuilds every
 * function (esbuild, handler-bundles.ts) while type-checking the sources in a worker
 * (type-checker.ts). Only when both pass are the functions whose code changed swapped in (their
 * HandlerSlot); Kafka, dynalite, the triggers and the API keep running, and batches in flight
 * finish on the code they began with. A syntax, import or type error is printed and the old code
 * keeps running.
 */
import { join } from 'node:path';
import { SERVICE_SPECS, SERVICES, type ServiceName } from '../../lib/topology';
import { LocalSetupError } from '../kafka-broker';
import { bundleHandlers, loadBundle } from './handler-bundles';
import { HandlerSlot } from './handler-slot';
import { TypeChecker } from './type-checker';
import { type TreeWatcher, watchTree } from './watch-tree';

// biome-ignore lint/suspicious/noExplicitAny: a slot holds any function's handler; each trigger knows its own event type.
type AnyHandler = (event: any, context: any) => Promise<unknown>;

interface BundleModule {
  readonly handler: AnyHandler;
  readonly disconnectSharedProducers: () => Promise<void>;
}

export interface ReloaderOptions {
  /** The source tree holding lambdas/, lib/, tsconfig.json and node_modules/. */
  readonly root: string;
  /** Where the bundles are written (under the local runtime's folder). */
  readonly dir: string;
  readonly log: (line: string) => void;
  /** Quiet time after the last change before rebuilding (editors write a file in several steps). */
  readonly debounceMs?: number;
}

const WATCHED = ['lambdas', 'lib'];
const SOURCE_FILE = /\.(ts|json)$/;

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

export class HandlerReloader {
  private readonly slots = new Map<ServiceName, HandlerSlot<AnyHandler>>();
  private readonly code = new Map<ServiceName, string>();
  private readonly checker: TypeChecker;
  private watchers: TreeWatcher[] = [];
  private generation = 0;
  private changed = new Set<string>();
  private timer?: NodeJS.Timeout;
  private reloading?: Promise<void>;
  private loadedAt = clock();
  private stopped = false;

  constructor(private readonly options: ReloaderOptions) {
    this.checker = new TypeChecker(
      options.root,
      SERVICES.map((service) => SERVICE_SPECS[service].entry),
    );
  }

  /** Builds and loads every function, then watches; the first type check runs in the background. */
  async start(): Promise<void> {
    // The bundles carry inline source maps: stack traces then name the TypeScript files.
    process.setSourceMapsEnabled(true);
    const bundle = await bundleHandlers(this.options.root, SERVICES);
    if (!bundle.ok) throw new LocalSetupError(`The functions do not build:\n${bundle.errors}`);
    for (const built of bundle.handlers) {
      const module = this.load(built.service, built.code);
      this.slots.set(built.service, new HandlerSlot(this.version(built.service, module), this.disposeFailed));
      this.code.set(built.service, built.code);
    }
    void this.checker.check().then(
      (result) => {
        if (!result.ok) this.options.log(`Type errors in the functions' sources (${result.count}):\n${result.errors}`);
      },
      (error: unknown) => {
        if (!this.stopped) this.options.log(`The type check could not run: ${(error as Error).message}`);
      },
    );
    for (const folder of WATCHED) {
      const watcher = watchTree(
        join(this.options.root, folder),
        (file) => {
          if (SOURCE_FILE.test(file)) this.schedule(join(folder, file));
        },
        (error) => this.options.log(`Watching ${folder}/ failed: ${error.message}`),
      );
      this.watchers.push(watcher);
    }
    this.options.log(`Watching lambdas/ and lib/ in ${this.options.root}: saved changes reload the functions.`);
  }

  /** The function a trigger or the API calls: always the current code of `service`. */
  handler(service: ServiceName): AnyHandler {
    const slot = this.slots.get(service);
    if (!slot) throw new Error(`HandlerReloader.start() has not loaded ${service}`);
    return slot.invoke;
  }

  /** Stops watching and disposes every loaded version; call it after the triggers stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    // Stopping the checker first ends a check in progress, so a reload under way finishes at once.
    await this.checker.stop();
    await this.reloading;
    await Promise.all([...this.slots.values()].map((slot) => slot.close()));
  }

  private readonly disposeFailed = (label: string, error: unknown) =>
    this.options.log(`Disconnecting the producer of ${label} failed: ${(error as Error).message}`);

  private schedule(file: string): void {
    if (this.stopped) return;
    this.changed.add(file);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      // One reload at a time; changes saved meanwhile start the next one when it ends.
      this.reloading = (this.reloading ?? Promise.resolve()).then(() => this.reload());
    }, this.options.debounceMs ?? 150);
  }

  private async reload(): Promise<void> {
    const files = [...this.changed].sort();
    this.changed.clear();
    if (files.length === 0 || this.stopped) return;
    const started = Date.now();
    const what = files.length <= 3 ? files.join(', ') : `${files.slice(0, 3).join(', ')} and ${files.length - 3} more`;
    const keeping = `the functions keep running the code loaded at ${this.loadedAt}`;
    // Both start at once; a syntax error is reported as soon as esbuild finds it.
    const typeCheck = this.checker
      .check()
      .catch((error: unknown) => ({ ok: false as const, count: 1, errors: String(error) }));
    const bundle = await bundleHandlers(this.options.root, SERVICES);
    if (!bundle.ok) {
      this.options.log(`Reload failed after ${what} changed: a syntax or import error; ${keeping}.\n${bundle.errors}`);
      return;
    }
    const types = await typeCheck;
    if (this.stopped) return;
    if (!types.ok) {
      this.options.log(
        `Reload held back after ${what} changed: ${types.count} type error(s); ${keeping}.\n${types.errors}`,
      );
      return;
    }
    const swapped: ServiceName[] = [];
    for (const built of bundle.handlers) {
      if (this.code.get(built.service) === built.code) continue;
      try {
        const module = this.load(built.service, built.code);
        this.slots.get(built.service)?.swap(this.version(built.service, module));
        this.code.set(built.service, built.code);
        swapped.push(built.service);
      } catch (error) {
        this.options.log(`${built.service} failed to load (${(error as Error).message}); it keeps its previous code.`);
      }
    }
    if (swapped.length === 0) {
      this.options.log(
        `No function's code changed (${what}); topology and trigger settings take effect on the next npm start.`,
      );
      return;
    }
    this.loadedAt = clock();
    this.options.log(`Reloaded ${swapped.join(', ')} in ${Date.now() - started} ms (${what} changed).`);
  }

  private load(service: ServiceName, code: string): BundleModule {
    this.generation++;
    return loadBundle<BundleModule>(this.options.dir, service, this.generation, code);
  }

  private version(service: ServiceName, module: BundleModule) {
    return {
      handler: module.handler,
      dispose: module.disconnectSharedProducers,
      label: `${service} #${this.generation}`,
    };
  }
}
