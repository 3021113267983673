/**
 * Reload on save, against the real test broker: a runtime watches a temporary copy of lambdas/ and
 * lib/; the test edits the shipping service there and sees each edit through the pipeline (the
 * carrier on the order view of a new order). A syntax error and a type error keep the old code
 * running; a good edit is swapped in without restarting Kafka, dynalite or the triggers.
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../local/paths';
import type { LocalRuntime } from '../../local/runtime';
import { sampleOrderRequest } from '../../local/samples';
import { eventually } from '../support/eventually';
import { startTestRuntime, type TestRuntime } from './test-runtime';

const ORDER = sampleOrderRequest({ items: [{ sku: 'SKU-001', quantity: 1 }] });
const GB_CARRIER = "if (country === 'GB') return 'royal_mail';";
const RELOAD_WAIT_MS = 300_000;
const ORDER_WAIT_MS = 90_000;
/** A reload, then an order through the whole saga. */
const EDIT_TEST_TIMEOUT_MS = RELOAD_WAIT_MS + ORDER_WAIT_MS + 30_000;

describe('reload on save', () => {
  const root = mkdtempSync(join(tmpdir(), 'pipeline-reload-src-'));
  const shippingCore = join(root, 'lambdas', 'shipping', 'core.ts');
  const lines: string[] = [];
  let pipeline: TestRuntime | undefined;
  let runtime: LocalRuntime;

  /**
   * Saves the shipping core with `replacement` in place of the GB carrier line, as most editors
   * save: a new file renamed over the old one (so each save is a new inode).
   */
  const editShipping = (replacement: string) => {
    const original = readFileSync(join(REPO_ROOT, 'lambdas', 'shipping', 'core.ts'), 'utf8');
    expect(original).toContain(GB_CARRIER);
    writeFileSync(`${shippingCore}.save`, original.replace(GB_CARRIER, replacement));
    renameSync(`${shippingCore}.save`, shippingCore);
  };

  /**
   * Waits for a new runtime line matching `pattern`, logged after `from` lines. A reload waits for a
   * type check of the whole tree, which on a busy 2-core machine has taken over 90 s: the bound only
   * catches a reload that never comes.
   */
  const logged = (pattern: RegExp, from: number) =>
    eventually(
      `a line matching ${pattern}`,
      () => lines.slice(from).find((line) => pattern.test(line)),
      RELOAD_WAIT_MS,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the runtime logged since:\n${lines.slice(from).join('\n')}`);
    });

  /** The carrier a new GB order ships with, through the API and the whole saga. */
  const carrierOfNewOrder = async () => {
    const created = await fetch(`${runtime.apiUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ORDER),
    });
    expect(created.status).toBe(202);
    const { orderId } = (await created.json()) as { orderId: string };
    return eventually(
      `order ${orderId} to ship`,
      async () => {
        const response = await fetch(`${runtime.apiUrl}/orders/${orderId}`);
        if (response.status !== 200) return undefined;
        const view = (await response.json()) as { status: string; shipment?: { carrier: string } };
        return view.status === 'SHIPPED' ? view.shipment?.carrier : undefined;
      },
      ORDER_WAIT_MS,
    );
  };

  beforeAll(async () => {
    for (const part of ['lambdas', 'lib', 'tsconfig.json', 'package.json'])
      cpSync(join(REPO_ROOT, part), join(root, part), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
    pipeline = await startTestRuntime('reload', { watch: { root }, log: (line) => lines.push(line) });
    runtime = pipeline.runtime;
  });

  afterAll(async () => {
    await pipeline?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('runs the code it found at start', async () => {
    expect(lines).toContain(`Watching lambdas/ and lib/ in ${root}: saved changes reload the functions.`);
    await expect(carrierOfNewOrder()).resolves.toBe('royal_mail');
  });

  it(
    'keeps the old code running after a syntax error, and says where it is',
    async () => {
      // Act
      const from = lines.length;
      editShipping(`${GB_CARRIER}\n  if (country === ) return 'dhl';`);
      const report = await logged(
        /^Reload failed after lambdas\/shipping\/core\.ts changed: a syntax or import error/,
        from,
      );

      // Assess
      expect(report).toMatch(/the functions keep running the code loaded at \d\d:\d\d:\d\d/);
      expect(report).toContain('lambdas/shipping/core.ts:');
      await expect(carrierOfNewOrder()).resolves.toBe('royal_mail');
    },
    EDIT_TEST_TIMEOUT_MS,
  );

  it(
    'keeps the old code running after a type error, and prints the error',
    async () => {
      // Act
      const from = lines.length;
      editShipping("if (country === 'GB') return 'pigeon';");
      const report = await logged(/^Reload held back after lambdas\/shipping\/core\.ts changed: \d+ type error/, from);

      // Assess
      expect(report).toMatch(/lambdas\/shipping\/core\.ts\(\d+,\d+\): error TS2322: Type '"pigeon"' is not assignable/);
      await expect(carrierOfNewOrder()).resolves.toBe('royal_mail');
    },
    EDIT_TEST_TIMEOUT_MS,
  );

  it(
    'swaps in a good edit without restarting the pipeline: the next order ships with the new code',
    async () => {
      // Act
      const from = lines.length;
      editShipping("if (country === 'GB') return 'dhl';");
      const report = await logged(/^Reloaded /, from);

      // Assess
      expect(report).toMatch(/^Reloaded shipping in \d+ ms \(lambdas\/shipping\/core\.ts changed\)\.$/);
      expect(lines.slice(from).filter((line) => /ready|Starting Kafka/.test(line))).toEqual([]);
      await expect(carrierOfNewOrder()).resolves.toBe('dhl');
    },
    EDIT_TEST_TIMEOUT_MS,
  );
});
