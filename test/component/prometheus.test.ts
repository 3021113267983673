/**
 * The local Prometheus endpoint's registry and the offset monitor, without a broker: what a scrape
 * says about the functions, and that it answers (with up 0) when Kafka cannot be reached or never
 * answers. The integration test checks the Kafka series against a real broker.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { OffsetMonitor } from '../../local/kafka-offsets';
import { PipelineMetrics, PROMETHEUS_METRICS } from '../../local/prometheus';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';

const FUNCTIONS = [{ name: 'order-api' }, { name: 'payment', deadLetterTopic: 'payment.dlq' }];
const KAFKA_SERIES = [
  PROMETHEUS_METRICS.committedOffset,
  PROMETHEUS_METRICS.logEndOffset,
  PROMETHEUS_METRICS.lag,
  PROMETHEUS_METRICS.topicRecords,
  PROMETHEUS_METRICS.deadLetters,
];

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server that accepts connections and never answers: a hung broker. */
async function blackHole(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function monitorOn(port: number): OffsetMonitor {
  return new OffsetMonitor({
    bootstrapServers: `127.0.0.1:${port}`,
    topics: ['orders.events', 'payment.dlq'],
    groups: [{ group: 'payment.orders', topic: 'orders.events' }],
    timeoutMs: 300,
  });
}

describe('Class: PipelineMetrics', () => {
  const monitors: OffsetMonitor[] = [];
  afterEach(async () => {
    await Promise.all(monitors.splice(0).map((m) => m.stop()));
  });

  it('exposes every function at zero before any invocation, in valid exposition format with conventional names', async () => {
    // Prepare
    const monitor = monitorOn(await closedPort());
    monitors.push(monitor);
    const metrics = new PipelineMetrics(monitor, FUNCTIONS);

    // Act
    const { contentType, body } = await metrics.exposition();
    const families = parsePrometheusText(body);

    // Assess
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const family of families.values()) {
      expect(family.name).toMatch(/^orderpipeline_[a-z0-9_]+$/);
      if (family.type === 'counter') expect(family.name).toMatch(/_total$/);
      else expect(family.name).not.toMatch(/_total$/);
    }
    for (const fn of ['order-api', 'payment']) {
      expect(sampleValue(families, PROMETHEUS_METRICS.invocations, { function: fn })).toBe(0);
      expect(sampleValue(families, PROMETHEUS_METRICS.errors, { function: fn })).toBe(0);
      expect(sampleValue(families, PROMETHEUS_METRICS.retries, { function: fn })).toBe(0);
      expect(sampleValue(families, PROMETHEUS_METRICS.triggerDeadLettered, { function: fn })).toBe(0);
      expect(
        sampleValue(families, PROMETHEUS_METRICS.duration, { function: fn }, `${PROMETHEUS_METRICS.duration}_count`),
      ).toBe(0);
    }
  });

  it('counts what the observers report: invocations, errors, retries, dead letters and durations in seconds', async () => {
    // Prepare
    const monitor = monitorOn(await closedPort());
    monitors.push(monitor);
    const metrics = new PipelineMetrics(monitor, FUNCTIONS);
    const payment = metrics.observer('payment');

    // Act
    payment.invoked({ durationMs: 4, error: false, retry: false });
    payment.invoked({ durationMs: 30, error: true, retry: false });
    payment.invoked({ durationMs: 2_000, error: false, retry: true });
    payment.deadLettered(3);
    metrics.observer('order-api').invoked({ durationMs: 12, error: false, retry: false });
    const families = parsePrometheusText((await metrics.exposition()).body);

    // Assess
    const of = (name: string, fn: string, sample = name, extra: Record<string, string> = {}) =>
      sampleValue(families, name, { function: fn, ...extra }, sample);
    expect(of(PROMETHEUS_METRICS.invocations, 'payment')).toBe(3);
    expect(of(PROMETHEUS_METRICS.errors, 'payment')).toBe(1);
    expect(of(PROMETHEUS_METRICS.retries, 'payment')).toBe(1);
    expect(of(PROMETHEUS_METRICS.triggerDeadLettered, 'payment')).toBe(3);
    expect(of(PROMETHEUS_METRICS.invocations, 'order-api')).toBe(1);
    const duration = PROMETHEUS_METRICS.duration;
    expect(of(duration, 'payment', `${duration}_count`)).toBe(3);
    expect(of(duration, 'payment', `${duration}_sum`)).toBeCloseTo(2.034, 6);
    expect(of(duration, 'payment', `${duration}_bucket`, { le: '0.005' })).toBe(1);
    expect(of(duration, 'payment', `${duration}_bucket`, { le: '0.05' })).toBe(2);
    expect(of(duration, 'payment', `${duration}_bucket`, { le: '2.5' })).toBe(3);
    expect(of(duration, 'payment', `${duration}_bucket`, { le: '+Inf' })).toBe(3);
    expect(await metrics.functionTotals()).toEqual([
      { function: 'order-api', invocations: 1, errors: 0, retries: 0 },
      { function: 'payment', invocations: 3, errors: 1, retries: 1 },
    ]);
  });

  it('answers a scrape when Kafka is unreachable: up 0, and no stale Kafka series', async () => {
    // Prepare
    const monitor = monitorOn(await closedPort());
    monitors.push(monitor);
    const metrics = new PipelineMetrics(monitor, FUNCTIONS);

    // Act
    const families = parsePrometheusText((await metrics.exposition()).body);

    // Assess
    expect(sampleValue(families, PROMETHEUS_METRICS.kafkaUp, {})).toBe(0);
    for (const name of KAFKA_SERIES) expect(families.get(name)?.samples).toEqual([]);
    expect(sampleValue(families, PROMETHEUS_METRICS.invocations, { function: 'payment' })).toBe(0);
  });
});

describe('Class: OffsetMonitor', () => {
  it('reports a broker that never answers as down within its time bound, and keeps answering', async () => {
    // Prepare
    const hole = await blackHole();
    const monitor = monitorOn(hole.port);

    try {
      // Act
      const first = await monitor.snapshot();
      const second = await monitor.snapshot();

      // Assess
      expect(first).toMatchObject({ up: false, error: expect.stringMatching(/did not answer within 300 ms|timeout/i) });
      expect(second.up).toBe(false);
    } finally {
      await monitor.stop();
      await hole.close();
    }
  });

  it('reports a refused connection as down with the reason', async () => {
    // Prepare
    const monitor = monitorOn(await closedPort());

    try {
      // Act
      const snapshot = await monitor.snapshot();

      // Assess
      expect(snapshot.up).toBe(false);
      expect(snapshot.up ? '' : snapshot.error).not.toBe('');
    } finally {
      await monitor.stop();
    }
  });

  it('is down, without connecting, once stopped', async () => {
    // Prepare
    const monitor = monitorOn(await closedPort());
    await monitor.stop();

    // Act
    const snapshot = await monitor.snapshot();

    // Assess
    expect(snapshot).toMatchObject({ up: false, error: 'the offset monitor is stopped' });
  });
});
