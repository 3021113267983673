/**
 * The routes the local runtime serves beside the API, on the same port: GET /metrics (Prometheus)
 * and the live console under /_console (a static page and the small JSON API it polls). Neither
 * path can collide with an API resource: the API has /orders and /users only.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { CONSUMER_SERVICES, consumerGroupId, deadLetterTopic, SERVICE_SPECS, TOPICS } from '../lib/topology';
import type { EventTap } from './console/event-tap';
import { topologyGraph } from './console/topology-graph';
import type { OffsetMonitor } from './kafka-offsets';
import type { PipelineMetrics } from './prometheus';

export const METRICS_PATH = '/metrics';
export const CONSOLE_PATH = '/_console';

export interface ObservabilityRoutesOptions {
  readonly metrics: PipelineMetrics;
  readonly offsets: OffsetMonitor;
  readonly tap: EventTap;
}

/** The console's files: a fixed list, so no request path ever reaches the file system. */
const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};
const STATIC_DIR = join(__dirname, 'console', 'static');

/** Same origin only: the page loads nothing and calls nothing elsewhere. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Latest events per topic in one answer (the store keeps more; ?limit= asks for up to that). */
const DEFAULT_EVENTS_PER_TOPIC = 10;
const ORDER_ID = /^[A-Za-z0-9_-]{1,128}$/;

const GROUPS = CONSUMER_SERVICES.flatMap((service) =>
  SERVICE_SPECS[service].subscriptions.map((sub) => ({ service, group: consumerGroupId(service, sub.domain) })),
);

const DEAD_LETTER_TOPICS = new Map<string, string>(CONSUMER_SERVICES.map((s) => [s, deadLetterTopic(s)]));

type Answer = { status: number; type: string; body: string | Buffer; headers?: Record<string, string> };

/** An `extraRoutes` hook for the API Gateway emulator: answers and returns true for its own paths. */
export function observabilityRoutes(options: ObservabilityRoutesOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path !== METRICS_PATH && path !== CONSOLE_PATH && !path.startsWith(`${CONSOLE_PATH}/`)) return false;
    let answer: Answer;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answer = {
        ...json(405, { message: `${req.method} is not allowed on ${path}` }),
        headers: { Allow: 'GET, HEAD' },
      };
    } else {
      try {
        answer = await route(options, path, new URL(req.url ?? '/', 'http://localhost').searchParams);
      } catch (error) {
        answer = json(500, { message: error instanceof Error ? error.message : String(error) });
      }
    }
    res.statusCode = answer.status;
    res.setHeader('Content-Type', answer.type);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (path.startsWith(CONSOLE_PATH)) res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    res.end(req.method === 'HEAD' ? undefined : answer.body);
    return true;
  };
}

async function route(options: ObservabilityRoutesOptions, path: string, query: URLSearchParams): Promise<Answer> {
  if (path === METRICS_PATH) {
    const { contentType, body } = await options.metrics.exposition();
    return { status: 200, type: contentType, body };
  }
  const rest = path.slice(CONSOLE_PATH.length);
  const file = STATIC_FILES[rest];
  if (file) return { status: 200, type: file.type, body: await readFile(join(STATIC_DIR, file.file)) };
  if (rest === '/api/topology') return json(200, topologyGraph());
  if (rest === '/api/stats') return json(200, await stats(options));
  if (rest === '/api/events') return json(200, events(options.tap, query));
  if (rest.startsWith('/api/orders/')) return timeline(options.tap, rest.slice('/api/orders/'.length));
  return json(404, { message: `Nothing at ${path}; the console is at ${CONSOLE_PATH}` });
}

async function stats({ offsets, metrics, tap }: ObservabilityRoutesOptions) {
  const [snapshot, functions] = await Promise.all([offsets.snapshot(), metrics.functionTotals()]);
  const kafka = snapshot.up ? { up: true } : { up: false, error: snapshot.error };
  const consumers = snapshot.up
    ? GROUPS.map(({ service, group }) => {
        const partitions = snapshot.groups.filter((g) => g.group === group);
        return {
          group,
          service,
          topic: partitions[0]?.topic ?? '',
          lag: sum(partitions.map((p) => p.lag)),
          committed: sum(partitions.map((p) => p.committed ?? 0)),
          end: sum(partitions.map((p) => p.end)),
        };
      })
    : [];
  const topics = snapshot.up
    ? snapshot.topics.map(({ topic, partitions }) => ({ topic, records: sum(partitions.map((p) => p.end)) }))
    : [];
  const records = new Map(topics.map((t) => [t.topic, t.records]));
  const withDeadLetters = functions.map((f) => {
    const topic = DEAD_LETTER_TOPICS.get(f.function);
    // Null when unknown: Kafka is down, or the function has no dead-letter topic (the API).
    return { ...f, deadLetters: topic === undefined ? null : (records.get(topic) ?? null) };
  });
  return { time: snapshot.at, kafka, consumers, topics, functions: withDeadLetters, tap: tap.status() };
}

function events(tap: EventTap, query: URLSearchParams) {
  const asked = Number(query.get('limit') ?? DEFAULT_EVENTS_PER_TOPIC);
  const limit = Number.isInteger(asked) && asked > 0 ? asked : DEFAULT_EVENTS_PER_TOPIC;
  return {
    tap: tap.status(),
    topics: TOPICS.map(({ name, deadLetter }) => ({
      topic: name,
      deadLetter,
      events: tap.store.latest(name).slice(0, limit),
    })),
  };
}

function timeline(tap: EventTap, encodedId: string): Answer {
  const orderId = safeDecode(encodedId);
  if (orderId === undefined || !ORDER_ID.test(orderId)) {
    return json(400, { message: 'An order id is letters, digits, _ and -, such as ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY' });
  }
  const found = tap.store.timeline(orderId);
  if (!found) {
    return json(404, {
      message: `No event seen for ${orderId} yet. The console keeps the events of the ${tap.store.limits.orders} most recently active orders.`,
      tap: tap.status(),
    });
  }
  return json(200, found);
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function json(status: number, value: unknown): Answer {
  return { status, type: 'application/json; charset=utf-8', body: JSON.stringify(value) };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, v) => total + v, 0);
}
