/**
 * A short soak (`npm run soak` for under a minute): every fault kind once, at random (seeded)
 * order, with orders flowing all the while, then every invariant. The long runs are for users
 * (`npm run soak -- --minutes 10`); their figures are in docs/RELIABILITY.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_READING } from '../../local/esm/readings';
import { localDir } from '../../local/paths';
import { runSoak, SOAK_FAULTS, type SoakSummary } from '../../local/reliability/soak';

const RECENT_LINES = 200;

describe('npm run soak, short', () => {
  let summary: SoakSummary;
  const dir = mkdtempSync(join(tmpdir(), 'soak-'));
  const progress: string[] = [];

  beforeAll(async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    // The runtime's last lines (triggers, handlers) go with a failure: enough to see what stalled.
    const recent: string[] = [];
    const keep = (line: string) => {
      recent.push(line);
      if (recent.length > RECENT_LINES) recent.shift();
    };
    summary = await runSoak({
      seconds: 36,
      slotMs: 6_000,
      ordersPerSecond: 3,
      seed: 7,
      reading: DEFAULT_READING,
      dir,
      brokerDir: join(localDir(), 'soak-test-broker'),
      log: keep,
      progress: (line) => progress.push(line),
    }).catch((error: Error) => {
      throw new Error(`${error.message}\nprogress: ${progress.join(' | ')}\nlast runtime lines:\n${recent.join('\n')}`);
    });
  }, 15 * 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('injects every kind of fault, each taking effect', () => {
    expect(Object.keys(summary.faults).sort()).toEqual([...SOAK_FAULTS].sort());
    expect(Object.entries(summary.faults).filter(([, count]) => !(count > 0))).toEqual([]);
    const slots = progress.filter((line) => line.startsWith('slot '));
    for (const fault of SOAK_FAULTS) expect(slots.some((line) => line.endsWith(`: ${fault}`))).toBe(true);
  });

  it('loses nothing, charges nothing twice and dead-letters nothing healthy, while orders flow', () => {
    expect(summary.orders.accepted).toBeGreaterThan(50);
    expect(summary.report).toEqual({ terminal: [], chargedOnce: [], stock: [], deadLetters: [] });
    expect({ lost: summary.lost, double: summary.double, healthy: summary.healthyDeadLettered }).toEqual({
      lost: 0,
      double: 0,
      healthy: 0,
    });
    expect(summary.poisonDeadLettered).toBeGreaterThan(0);
    expect(summary.passed).toBe(true);
  });
});
