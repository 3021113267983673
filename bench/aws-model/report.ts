/** The AWS model's section of BENCHMARKS.md and its goals, the committed baseline beside the current run. */

import { type CostPerMillionOrders, costPerMillionOrders } from './cost';
import { LATENCY_PROFILES, type LatencyProfileName, REMOTE_CALL_LATENCY, type RemoteCallKind } from './latency';
import type { AwsModelResult } from './run-model';
import type { PerOrder, SubscriptionResult } from './summary';

/** Issue 12's goals for the model: capacity at p50 latencies, DynamoDB calls per happy-path order. */
export const AWS_MODEL_GOALS = {
  ordersPerSecondAtP50: { prod: 1_000, dev: 200 } as Record<string, number>,
  dynamodbCallsPerOrder: 16,
} as const;

export interface ModelGoalCheck {
  readonly figure: string;
  readonly value: string;
  readonly goal: string;
  readonly pass: boolean;
}

const round = (value: number) => Math.round(value).toLocaleString('en-GB');
const fixed = (value: number, digits = 1) => value.toFixed(digits);
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const short = (commit: string) => commit.slice(0, 10);

export function awsModelGoalChecks(model: AwsModelResult): ModelGoalCheck[] {
  const checks: ModelGoalCheck[] = [];
  for (const [profile, goal] of Object.entries(AWS_MODEL_GOALS.ordersPerSecondAtP50)) {
    const capacity = model.capacity.find((c) => c.profile === profile && c.latency === 'p50');
    if (!capacity) continue;
    checks.push({
      figure: `Modelled capacity on AWS, ${profile}, p50 latencies`,
      value: `${round(capacity.ordersPerSecond)} orders/s (slowest: ${capacity.slowest})`,
      goal: `≥ ${round(goal)} orders/s`,
      pass: capacity.ordersPerSecond >= goal,
    });
  }
  checks.push({
    figure: 'DynamoDB calls per happy-path order, all consumers',
    value: fixed(model.perOrder.dynamodb),
    goal: `≤ ${AWS_MODEL_GOALS.dynamodbCallsPerOrder}`,
    pass: model.perOrder.dynamodb <= AWS_MODEL_GOALS.dynamodbCallsPerOrder,
  });
  return checks;
}

function table(lines: string[], header: readonly string[], rows: readonly (readonly string[])[]): void {
  lines.push(`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`);
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  lines.push('');
}

function describeRun(model: AwsModelResult): string {
  const changes = model.uncommittedChanges ? ' plus uncommitted changes to lambdas/ or lib/' : '';
  return (
    `commit ${short(model.commit)}${changes}, measured ${model.measuredAt} with \`${model.command}\` in ${fixed(model.durationS, 0)} s ` +
    `(${model.plan.orders} orders; per subscription ${model.plan.warmupBatches} warm-up batch, then ` +
    `${model.plan.batchesPerLatency} at p50 and ${model.plan.batchesPerLatency} at p99; load average ${model.machine.loadAverageAtStart} at start, ` +
    `${model.machine.loadAverageAtEnd} at the end, ${model.machine.cores} cores)`
  );
}

function byOperation(s: SubscriptionResult): string {
  const ops = Object.entries(s.perRecord.dynamodbByOperation)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${op} ${fixed(n)}`);
  return `${fixed(s.perRecord.dynamodb)}${ops.length > 0 ? ` (${ops.join(', ')})` : ''}`;
}

function achieved(model: AwsModelResult, kind: RemoteCallKind, profile: LatencyProfileName): string {
  const values = model.subscriptions
    .map((s) => s.profiles[profile].achievedMs[kind])
    .filter((v): v is number => v !== undefined);
  if (values.length === 0) return '–';
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min.toFixed(1) === max.toFixed(1) ? `${min.toFixed(1)} ms` : `${min.toFixed(1)}–${max.toFixed(1)} ms`;
}

function introduction(lines: string[], model: AwsModelResult, baseline: AwsModelResult | undefined): void {
  lines.push(
    "Each consumer's real handler stack (its handler module in a process of its own, its DynamoDB client against",
    'dynalite, its producer against a real broker, its SNS client) on the batches its MSK trigger would deliver for',
    'real orders, every remote call taking a modelled AWS round trip and its CPU time stretched to the',
    'function\'s memory. The model, its assumptions and what it leaves out: docs/TUNING.md, "The AWS model".',
    '',
    `Now: ${describeRun(model)}.`,
    '',
    model.untraced
      ? 'Tracing: every consumer ran twice, taking turns batch by batch: with tracing on (Powertools Tracer with ' +
          `X-Ray in its Lambda mode, invocations unsampled; on in: ${model.tracingEnabled.join(', ') || 'none'}) and off ` +
          "(POWERTOOLS_TRACE_ENABLED=false, as a profile without tracing deploys it). Each profile's capacity uses its own " +
          'setting (`tracing` in lib/config.ts); "other tracing" is the same profile with the other one.'
      : `Tracing active as deployed (Powertools Tracer with X-Ray in its Lambda mode, invocations unsampled) in: ${
          model.tracingEnabled.length > 0 ? model.tracingEnabled.join(', ') : 'none'
        }.`,
    '',
    baseline
      ? `Before: ${describeRun(baseline)}; bench/aws-model-baseline.json.`
      : 'Before: no baseline recorded (bench/aws-model-baseline.json).',
    '',
    `Order mix: ${model.orderMix}.`,
    '',
  );
}

function capacityTable(lines: string[], model: AwsModelResult, baseline: AwsModelResult | undefined): void {
  lines.push(
    '### Capacity: orders per second the consumers sustain',
    '',
    'The slowest subscription bounds the pipeline: its records per second per partition, times the batches in flight',
    'at once (one per partition, at most 5 per poller), divided by the records of its topic each order makes. The p99',
    'rows put every call at its p99: a bound, not the p99 of a batch. "now" stretches CPU on top of every wait; how',
    'Lambda enforces the CPU share over time is not documented, and if it averages the share over the waits the',
    'capacity rises to the "CPU share averaged" column. The last column takes the same batches with every consumer',
    'given one vCPU (1,769 MB): how much of the bound is CPU share that memory can buy.',
    '',
  );
  const before = (profile: string, latency: string) =>
    baseline?.capacity.find((c) => c.profile === profile && c.latency === latency);
  const header = ['profile', 'partitions', 'tracing', 'latencies', 'before', 'now', 'slowest subscription now'];
  const onOff = (tracing: boolean | undefined) => (tracing === undefined ? 'on' : tracing ? 'on' : 'off');
  table(
    lines,
    [...header, 'now, CPU share averaged', 'now, at 1,769 MB', 'now, other tracing'],
    model.capacity.map((c) => {
      const b = before(c.profile, c.latency);
      return [
        c.profile,
        b && b.partitions !== c.partitions ? `${c.partitions} (before ${b.partitions})` : String(c.partitions),
        onOff(c.tracing),
        c.latency,
        b ? round(b.ordersPerSecond) : '–',
        `**${round(c.ordersPerSecond)}**`,
        c.slowest,
        `${round(c.averagedCpu.ordersPerSecond)} (${c.averagedCpu.slowest})`,
        `${round(c.atOneVcpu.ordersPerSecond)} (${c.atOneVcpu.slowest})`,
        c.otherTracing
          ? `${round(c.otherTracing.ordersPerSecond)} (tracing ${onOff(!c.tracing)}; ${c.otherTracing.slowest})`
          : '–',
      ];
    }),
  );
}

function perOrderTable(lines: string[], model: AwsModelResult, baseline: AwsModelResult | undefined): void {
  lines.push('### Per happy-path order, all consumers', '');
  const untraced = model.untraced?.perOrder;
  const row = (label: string, pick: (p: PerOrder) => number) => [
    label,
    baseline ? fixed(pick(baseline.perOrder)) : '–',
    fixed(pick(model.perOrder)),
    untraced ? fixed(pick(untraced)) : '–',
  ];
  table(
    lines,
    ['', 'before (tracing on)', 'now, tracing on', 'now, tracing off'],
    [
      row('DynamoDB calls', (p) => p.dynamodb),
      row('Kafka sends (acknowledged)', (p) => p.kafkaSends),
      row('SNS publishes', (p) => p.snsPublishes),
      row('consumer CPU on the bench machine, ms', (p) => p.cpuMs),
    ],
  );
}

function ratesTable(lines: string[], model: AwsModelResult, baseline: AwsModelResult | undefined): void {
  lines.push('### Records per second per partition, by subscription', '');
  const beforeSub = (name: string) => baseline?.subscriptions.find((s) => s.subscription === name);
  const untracedSub = (name: string) => model.untraced?.subscriptions.find((s) => s.subscription === name);
  table(
    lines,
    [
      'subscription',
      'records per order',
      ...LATENCY_PROFILES.flatMap((p) => [`${p} before`, `${p} now, tracing on`, `${p} now, tracing off`]),
    ],
    model.subscriptions.map((s) => {
      const b = beforeSub(s.subscription);
      const off = untracedSub(s.subscription);
      return [
        s.subscription,
        fixed(s.recordsPerOrder),
        ...LATENCY_PROFILES.flatMap((p) => [
          b ? round(b.profiles[p].recordsPerSecondPerPartition) : '–',
          `**${round(s.profiles[p].recordsPerSecondPerPartition)}**`,
          off ? `**${round(off.profiles[p].recordsPerSecondPerPartition)}**` : '–',
        ]),
      ];
    }),
  );
}

function costsTable(lines: string[], model: AwsModelResult): void {
  lines.push('### What a record costs now, by subscription', '');
  table(
    lines,
    [
      'subscription',
      'batch, memory (CPU ×)',
      'DynamoDB calls / record',
      'Kafka sends / record',
      'SNS / record',
      'CPU / record, tracing on / off',
      ...LATENCY_PROFILES.map((p) => `modelled batch, ${p}, tracing on`),
      'local calls slower than the model; idle on them alone (taken out), per p50 batch',
    ],
    model.subscriptions.map((s) => {
      const off = model.untraced?.subscriptions.find((u) => u.subscription === s.subscription);
      return [
        s.subscription,
        `${s.batchSize}, ${s.memoryMb} MB (×${fixed(s.cpuStretch, 2)})`,
        byOperation(s),
        fixed(s.perRecord.kafkaSends, 2),
        fixed(s.perRecord.snsPublishes, 2),
        `${ms(s.perRecord.cpuMs)} / ${off ? ms(off.perRecord.cpuMs) : '–'}`,
        ...LATENCY_PROFILES.map((p) => `${ms(s.profiles[p].modelledBatchMs.median)} (n=${s.profiles[p].batches})`),
        `${LATENCY_PROFILES.map((p) => `${p} ${(s.profiles[p].overrunShare * 100).toFixed(0)} %`).join(', ')}; ${ms(
          s.profiles.p50.lateWaitMs.median,
        )}`,
      ];
    }),
  );
}

/**
 * The deployment the "before" run was costed with, where its results do not say: lib/config.ts at
 * the baseline's commit (dev: one poller for each of the 10 subscriptions; prod: 12 at most each;
 * three brokers in both).
 */
const BASELINE_DEPLOYMENT: Readonly<Record<string, { pollers: number; brokers: number }>> = {
  dev: { pollers: 10, brokers: 3 },
  prod: { pollers: 120, brokers: 3 },
};

function costOf(run: AwsModelResult, profile: string): CostPerMillionOrders | undefined {
  const capacity = run.capacity.find((c) => c.profile === profile && c.latency === 'p50');
  if (!capacity) return undefined;
  const subscriptions = capacity.tracing === false && run.untraced ? run.untraced.subscriptions : run.subscriptions;
  const deployment = {
    pollers: capacity.pollers ?? BASELINE_DEPLOYMENT[profile]?.pollers ?? 0,
    brokers: capacity.brokers ?? BASELINE_DEPLOYMENT[profile]?.brokers ?? 0,
  };
  return costPerMillionOrders(
    subscriptions.map((s) => ({
      subscription: s.subscription,
      memoryMb: s.memoryMb,
      batchSize: s.batchSize,
      recordsPerOrder: s.recordsPerOrder,
      batchMs: s.profiles.p50.modelledBatchMs.median,
      dynamodbByOperation: s.perRecord.dynamodbByOperation,
      ...(s.perRecord.dynamodbUnits ? { dynamodbUnitsPerRecord: s.perRecord.dynamodbUnits } : {}),
      snsPublishesPerRecord: s.perRecord.snsPublishes,
    })),
    { ordersPerSecond: capacity.ordersPerSecond, ...deployment },
  );
}

function costTable(lines: string[], model: AwsModelResult, baseline: AwsModelResult | undefined): void {
  lines.push(
    '### Cost per million orders, consumers, p50, at the modelled capacity',
    '',
    'US dollars at us-east-1 list prices (bench/aws-model/cost.ts names each source; check them before relying on',
    'them). Lambda: each batch billed for its modelled time at its memory, arm64. DynamoDB: on-demand request units,',
    "by item size as dynalite reports each call's consumed capacity (a refused write as one unit); a run that did not",
    'measure them (the "before" here) at one unit per call.',
    'Event pollers and MSK brokers cost by the hour: spread over the orders of an hour at the capacity, so at lower',
    'traffic they cost more per order. Not in it: the order API, data transfer, storage, logs, metrics, traces.',
    '',
  );
  const usd = (v: number) => `$${v < 10 ? v.toFixed(2) : Math.round(v).toLocaleString('en-GB')}`;
  const rows: string[][] = [];
  for (const capacity of model.capacity.filter((c) => c.latency === 'p50')) {
    for (const [label, run] of [
      ['before', baseline],
      ['now', model],
    ] as const) {
      const cost = run && costOf(run, capacity.profile);
      if (!cost) continue;
      rows.push([
        capacity.profile,
        label,
        Math.round(cost.lambdaGbSeconds).toLocaleString('en-GB'),
        usd(cost.lambdaDuration + cost.lambdaRequests),
        usd(cost.dynamo),
        usd(cost.sns),
        usd(cost.eventPollers),
        usd(cost.msk),
        `**${usd(cost.total)}**`,
      ]);
    }
  }
  table(lines, ['profile', '', 'Lambda GB-s', 'Lambda', 'DynamoDB', 'SNS', 'event pollers', 'MSK', 'total'], rows);
}

function latencyTable(lines: string[], model: AwsModelResult): void {
  lines.push('### Latencies injected per remote call', '');
  table(
    lines,
    ['call', 'p50', 'p99', 'achieved (mean per call, p50 / p99)', 'source'],
    (Object.keys(REMOTE_CALL_LATENCY) as RemoteCallKind[]).map((kind) => [
      kind,
      `${model.latencies[kind].p50Ms} ms`,
      `${model.latencies[kind].p99Ms} ms`,
      `${achieved(model, kind, 'p50')} / ${achieved(model, kind, 'p99')}`,
      model.latencies[kind].source,
    ]),
  );
}

export function renderAwsModel(model: AwsModelResult | undefined, baseline: AwsModelResult | undefined): string[] {
  const lines: string[] = ['## 5. AWS model: the consumers on AWS, modelled', ''];
  if (!model) {
    lines.push('Not measured in this run: `npm run bench -- --aws-model`.', '');
    return lines;
  }
  introduction(lines, model, baseline);
  capacityTable(lines, model, baseline);
  perOrderTable(lines, model, baseline);
  ratesTable(lines, model, baseline);
  costsTable(lines, model);
  costTable(lines, model, baseline);
  latencyTable(lines, model);
  return lines;
}
