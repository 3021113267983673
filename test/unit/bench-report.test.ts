import { bytesByPackage } from '../../bench/bundles';
import { INIT_FLOOR_PART, INIT_PARTS } from '../../bench/init-parts';
import { otherProcessCpuMs, parseProcStatCpuMs } from '../../bench/process-cpu';
import { goalChecks, type Results, renderInitParts, renderMarkdown } from '../../bench/report';
import { percentile, stats } from '../../bench/stats';

const s = (median: number) => stats([median, median, median]);

function results(overrides: {
  throughputVsRaw?: number;
  p99?: number;
  bytes?: number;
  initVsEmpty?: number;
  ratio?: number;
  ordersPerSecond?: number;
  cpuMsPerOrder?: number;
}): Results {
  const latency = {
    offeredPerSecond: 100,
    sentPerSecond: 100,
    orders: 100,
    latencyMs: { ...s(50), p95: 80, p99: overrides.p99 ?? 100 },
  };
  const throughput = { orders: 100, elapsedMs: 1_000, ordersPerSecond: 100 };
  const pipelineThroughput = { ...throughput, ordersPerSecond: overrides.ordersPerSecond ?? 60 };
  const cpuMs = overrides.cpuMsPerOrder ?? 20;
  const cpuPerOrder = { pipelineMs: cpuMs, brokerMs: 4 };
  return {
    meta: {
      date: '2026-11-28T00:00:00.000Z',
      command: 'npm run bench',
      quick: false,
      plan: { throughputOrders: 100 },
      machine: {
        cpu: 'cpu',
        cores: 2,
        memoryGiB: 24,
        freeMemoryGiBAtStart: 20,
        loadAverageAtStart: '0 0 0',
        node: 'v22',
        os: 'linux x64',
      },
      durationS: 60,
    },
    bundles: {
      empty: { bytes: 100, initMs: s(10) },
      functions: [
        {
          name: 'payment',
          bytes: overrides.bytes ?? 300 * 1024,
          initMs: s(15),
          initVsEmpty: overrides.initVsEmpty ?? 1.5,
          initCpuMs: s(12),
          initCpuVsEmpty: 1.2,
          packages: [],
        },
      ],
      tracingOn: {
        name: 'payment, tracing on',
        bytes: 300 * 1024,
        initMs: s(20),
        initVsEmpty: 2,
        initOffMs: s(15),
        tracerBytes: 100 * 1024,
      },
      sdkFromRuntime: [],
    },
    perRecord: {
      records: 100,
      batchesPerRound: 1,
      rounds: 3,
      pipelineUs: s(3),
      bareParseUs: s(1),
      ratio: s(overrides.ratio ?? 3),
    },
    endToEnd: {
      hops: 'a → b',
      pipeline: { throughput: pipelineThroughput, latency, cpuPerOrder },
      raw: { throughput, latency },
      throughputVsRaw: overrides.throughputVsRaw ?? 0.8,
    },
    synth: { skipped: 'quick' },
    tests: {},
  };
}

describe('bench statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises with median and quartiles whatever the input order', () => {
    expect(stats([5, 1, 4, 2, 3])).toEqual({ n: 5, median: 3, p25: 2, p75: 4, min: 1, max: 5 });
  });
});

describe('bench goals', () => {
  it('passes every goal when every figure is inside it', () => {
    expect(goalChecks(results({})).every((g) => g.pass)).toBe(true);
  });

  it.each([
    ['Local pipeline (npm start), sustained throughput', { ordersPerSecond: 49.9 }],
    ['Local pipeline, CPU per order', { cpuMsPerOrder: 30.1 }],
    ['Pipeline throughput', { throughputVsRaw: 0.49 }],
    ['Order-to-SHIPPED p99', { p99: 250 }],
    ['Bundle size', { bytes: 600 * 1024 + 1 }],
    ['Init vs empty', { initVsEmpty: 5.01 }],
    ['Per-record cost', { ratio: 5 }],
  ])('fails "%s" at its limit', (figure, overrides) => {
    const failed = goalChecks(results(overrides)).filter((g) => !g.pass);
    expect(failed.map((g) => g.figure.slice(0, figure.length))).toEqual([figure]);
  });

  it("holds bundles and init to issue 12's limits, inclusive (at most 600 KB, at most 5x)", () => {
    expect(goalChecks(results({ bytes: 600 * 1024, initVsEmpty: 5 })).every((g) => g.pass)).toBe(true);
  });

  it('holds a function to the size goal with its tracer chunk, the two files it deploys together', () => {
    // Prepare: a bundle inside the goal on its own, outside it with the chunk next to it.
    const base = results({ bytes: 550 * 1024 });
    const [payment] = base.bundles.functions;
    const withChunk = (chunkKiB: number): Results => ({
      ...base,
      bundles: {
        ...base.bundles,
        functions: [{ ...(payment as Results['bundles']['functions'][number]), tracerChunkBytes: chunkKiB * 1024 }],
      },
    });

    // Act
    const sizeRow = (r: Results) => goalChecks(r).find((g) => g.figure === 'Bundle size: payment');

    // Assess
    expect(sizeRow(withChunk(50))).toMatchObject({
      value: '600 KB (bundle 550 KB, tracer chunk 50 KB)',
      pass: true,
    });
    expect(sizeRow(withChunk(51))).toMatchObject({ value: '601 KB (bundle 550 KB, tracer chunk 51 KB)', pass: false });
    expect(renderMarkdown(withChunk(50))).toContain('Powertools Tracer and the X-Ray SDK (the tracer chunk, 100 KB)');
  });

  it('renders every goal with its verdict, and the machine and command', () => {
    const markdown = renderMarkdown(results({ p99: 300 }));
    expect(markdown).toContain('`npm run bench`');
    expect(markdown).toContain('cpu, 2 cores, 24 GiB');
    expect(markdown).toMatch(/Order-to-SHIPPED p99 .*\| 300 ms \| < 250 ms \| \*\*FAIL\*\* \|/);
  });

  it("prints dynalite's CPU per order beside the handlers' process, and judges the handlers' alone", () => {
    // Prepare: dynalite in its own process (local/dynamo-process.ts) reports its CPU apart.
    const base = results({ cpuMsPerOrder: 29 });
    const cpuPerOrder = { pipelineMs: 29, dynamoMs: 16, brokerMs: 4 };
    const withDynamo: Results = {
      ...base,
      endToEnd: { ...base.endToEnd, pipeline: { ...base.endToEnd.pipeline, cpuPerOrder } },
    };
    // Act
    const row = goalChecks(withDynamo).find((g) => g.figure.startsWith('Local pipeline, CPU per order'));
    const markdown = renderMarkdown(withDynamo);
    // Assert
    expect(row).toMatchObject({ value: '29 ms (+ 16 ms dynalite)', pass: true });
    expect(markdown).toContain('dynalite 16 ms; broker 4.0 ms');
  });

  it('says when the local pipeline was re-measured apart from the rest of the run', () => {
    // Prepare
    const base = results({});
    const remeasured: Results = {
      ...base,
      meta: {
        ...base.meta,
        localRemeasured: {
          date: '2026-12-02T00:00:00.000Z',
          command: 'npm run bench -- --only=local',
          plan: { throughputOrders: 1000 },
          loadAverageAtStart: '0.5 0.5 0.5',
        },
      },
    };

    // Act
    const before = renderMarkdown(base);
    const after = renderMarkdown(remeasured);

    // Assess
    expect(before).not.toContain('re-measured');
    expect(after).toContain(
      'Local pipeline and per-record cost re-measured 2026-12-02T00:00:00.000Z (sections 1 and 2).',
    );
    expect(after).toContain(
      'Re-measured 2026-12-02T00:00:00.000Z with `npm run bench -- --only=local` (plan: throughputOrders 1000; load average at start 0.5 0.5 0.5);',
    );
  });

  it('names the Node.js a re-measured section ran on, when it was recorded', () => {
    // Prepare
    const base = results({});
    const again = {
      date: '2026-12-02T00:00:00.000Z',
      command: 'npm run bench -- --only=local',
      plan: { throughputOrders: 1000 },
      loadAverageAtStart: '0.5 0.5 0.5',
      node: 'v24.21.0',
    };

    // Act
    const markdown = renderMarkdown({ ...base, meta: { ...base.meta, localRemeasured: again } });

    // Assess
    expect(markdown).toContain('(plan: throughputOrders 1000; load average at start 0.5 0.5 0.5; Node.js v24.21.0);');
  });

  it('says when the bundles were re-measured apart from the rest of the run', () => {
    // Prepare
    const base = results({});
    const remeasured: Results = {
      ...base,
      meta: {
        ...base.meta,
        bundlesRemeasured: {
          date: '2026-12-01T00:00:00.000Z',
          command: 'npm run bench -- --only=bundles',
          plan: { initRounds: 9 },
          loadAverageAtStart: '1 1 1',
        },
      },
    };

    // Act
    const before = renderMarkdown(base);
    const after = renderMarkdown(remeasured);

    // Assess
    expect(before).not.toContain('re-measured');
    expect(after).toContain('Bundles and init re-measured 2026-12-01T00:00:00.000Z (section 3).');
    expect(after).toContain('Re-measured 2026-12-01T00:00:00.000Z with `npm run bench -- --only=bundles`');
    expect(after).toContain('**Tracing on.** payment, tracing on: init 20 ms');
    expect(after).toMatch(/\| payment \| 300 KB \| 15 ms .*\| 1\.50× \| 12 ms .*\| 1\.20× \|/);
  });
});

describe('init parts', () => {
  const part = (name: string, initVsEmpty: number) => ({
    name,
    what: `the part ${name}`,
    loadedBy: 'every function' as const,
    bytes: 184 * 1024,
    initMs: s(16),
    initVsEmpty,
    initCpuMs: s(17),
    initCpuVsEmpty: 11.5,
  });
  const withParts = (parts: ReturnType<typeof part>[]): Results['bundles'] => ({ ...results({}).bundles, parts });

  it('names a floor part among the parts it measures', () => {
    expect(INIT_PARTS.map((p) => p.name)).toContain(INIT_FLOOR_PART);
  });

  it('says the floor is above the goal when the part every function loads already takes more than 5x', () => {
    // Act
    const lines = renderInitParts(withParts([part('tls-and-crypto', 2.27), part(INIT_FLOOR_PART, 5.89)]));

    // Assess
    expect(lines.join('\n')).toMatch(
      new RegExp(
        `\\| the part ${INIT_FLOOR_PART} \\| every function \\| 184 KB \\| 16 ms .*\\| 5\\.89× \\| 17 ms .*\\| 11\\.50× \\|`,
      ),
    );
    expect(lines.join('\n')).toContain(
      'so none initialises faster than that part alone: 5.89× the empty bundle, above the goal of 5× before any DynamoDB client',
    );
  });

  it('says what the goal leaves for the rest when the floor is within it, the limit inclusive', () => {
    // Act
    const text = renderInitParts(withParts([part(INIT_FLOOR_PART, 5)])).join('\n');

    // Assess
    expect(text).toContain(
      '5.00× the empty bundle, within the goal of 5×, which leaves 0.00× the empty bundle for the rest.',
    );
    expect(text).not.toContain('above the goal');
  });

  it('renders nothing for results from before the parts were measured, and the whole report still renders', () => {
    // Act
    const markdown = renderMarkdown(results({}));

    // Assess
    expect(renderInitParts(results({}).bundles)).toEqual([]);
    expect(markdown).not.toContain('What the functions are made of');
    expect(markdown).toContain('**Alternative measured, not deployed');
  });

  it('places the parts in section 3 before the alternative', () => {
    // Prepare
    const base = results({});

    // Act
    const markdown = renderMarkdown({ ...base, bundles: withParts([part(INIT_FLOOR_PART, 5.89)]) });

    // Assess
    const at = markdown.indexOf('**What the functions are made of');
    expect(at).toBeGreaterThan(markdown.indexOf('## 3.'));
    expect(at).toBeLessThan(markdown.indexOf('**Alternative measured'));
  });
});

describe('bundle composition', () => {
  it('attributes output bytes to packages, scoped ones by scope and name', () => {
    const packages = bytesByPackage({
      inputs: {},
      outputs: {
        'index.mjs': {
          bytes: 0,
          imports: [],
          exports: [],
          entryPoint: 'lambdas/payment/handler.ts',
          inputs: {
            'node_modules/kafkajs/src/index.js': { bytesInOutput: 10 },
            'node_modules/kafkajs/src/producer.js': { bytesInOutput: 5 },
            'node_modules/@smithy/core/dist/index.js': { bytesInOutput: 7 },
            'lambdas/shared/events/validators.generated.ts': { bytesInOutput: 3 },
            'lambdas/shared/events/validators/payment.generated.ts': { bytesInOutput: 4 },
            'lambdas/payment/core.ts': { bytesInOutput: 2 },
            'node_modules/tslib/tslib.js': { bytesInOutput: 0 },
          },
        },
      },
    });
    expect(packages).toEqual([
      { pkg: 'kafkajs', bytes: 15 },
      { pkg: '@smithy/core', bytes: 7 },
      { pkg: '(project: generated validators)', bytes: 7 },
      { pkg: '(project)', bytes: 2 },
    ]);
  });
});

describe('CPU time of another process', () => {
  it('reads utime and stime from a /proc/<pid>/stat line, whose command name may hold spaces and parentheses', () => {
    // Fields 14 and 15 (utime, stime) are 250 and 50 ticks of 1/100 s.
    const line = '4242 (java (kafka) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 40 0 100 0 0';
    expect(parseProcStatCpuMs(line)).toBe(3_000);
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => parseProcStatCpuMs('nonsense')).toThrow(/not a \/proc/);
  });

  it('says unknown for a process that is not there', () => {
    expect(otherProcessCpuMs(undefined)).toBeUndefined();
    expect(otherProcessCpuMs(2 ** 30)).toBeUndefined();
  });
});
