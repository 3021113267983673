/**
 * `npm run invoke`: one function, once, with an event from a file (as `sam local invoke -e` does).
 * A Kafka-triggered function takes an MSK event as it is, or a bare CloudEvent, which is wrapped
 * into the MSK event its trigger would deliver from the event's home topic; order-api takes an API
 * Gateway proxy event. The report holds the response, the log lines written meanwhile and the
 * records the function's producer had acknowledged (its events and dead letters).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { type CloudEvent, validateCloudEvent } from '../lambdas/shared/events/validation';
import type { KafkaMessage, Message } from '../lambdas/shared/kafka/driver';
import { watchSharedProducers } from '../lambdas/shared/kafka/kafka-handler';
import type { MskEvent } from '../lambdas/shared/kafka/msk-event';
import { toKafkaMessage } from '../lambdas/shared/kafka/publisher';
import {
  CONSUMER_SERVICES,
  type ConsumerServiceName,
  consumedEvents,
  domainTopic,
  EVENTS,
  type EventName,
  eventNameOf,
  SERVICE_SPECS,
  SERVICES,
  type ServiceName,
} from '../lib/topology';
import { functionArn, lambdaContext } from './esm/invoke';
import { localClusterArn, mskEvent, mskRecordOf } from './esm/msk-event-builder';
import { REPO_ROOT } from './paths';
import { ToolUsageError } from './tool-cli';

export const INVOKE_USAGE =
  'usage: npm run invoke -- <function> <event file|-> [--json]\n' +
  `       functions: ${SERVICES.join(', ')}\n` +
  '       events: an MSK event, a bare CloudEvent (wrapped into an MSK event on its home topic),\n' +
  '               or an API Gateway proxy event (order-api)';

export function requireFunction(name: string | undefined): ServiceName {
  if (!name || !(SERVICES as readonly string[]).includes(name)) {
    throw new ToolUsageError(
      `${name ? `Unknown function "${name}"` : 'No function given'}. Functions: ${SERVICES.join(', ')}.`,
    );
  }
  return name as ServiceName;
}

export interface PreparedEvent {
  readonly event: unknown;
  /** "1 record of orders.events", "POST /orders": for the report's first line. */
  readonly description: string;
  /** Things the user should know: the function will see the event, and treat it as AWS would. */
  readonly warnings: readonly string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isApiGatewayEvent(payload: Record<string, unknown>): boolean {
  return typeof payload.httpMethod === 'string' && isObject(payload.requestContext);
}

function isMskEvent(payload: Record<string, unknown>): payload is Record<string, unknown> & MskEvent {
  return payload.eventSource === 'aws:kafka' && isObject(payload.records);
}

/** The MSK event the function's trigger would deliver for this CloudEvent, read from its home topic. */
function wrapCloudEvent(service: ConsumerServiceName, cloudEvent: Record<string, unknown>, bootstrapServers: string) {
  const type = String(cloudEvent.type ?? '');
  const name = eventNameOf(type);
  const delivered: readonly EventName[] = consumedEvents(service);
  if (name === undefined || !delivered.includes(name)) {
    throw new ToolUsageError(
      `${service} does not receive "${type}": its triggers deliver ${delivered.join(', ')} (lib/topology.ts).`,
    );
  }
  const warnings: string[] = [];
  const validation = validateCloudEvent(cloudEvent);
  if (!validation.ok)
    warnings.push(`The CloudEvent is not valid (${validation.reason}); the function should dead-letter it.`);
  const topic = domainTopic(EVENTS[name].domain);
  const message: Message = toKafkaMessage(cloudEvent as unknown as CloudEvent);
  const kafkaMessage = {
    key: typeof message.key === 'string' ? Buffer.from(message.key) : null,
    value: Buffer.from(JSON.stringify(cloudEvent)),
    headers: message.headers,
    offset: '0',
    timestamp: String(Date.now()),
    attributes: 0,
  } as unknown as KafkaMessage;
  const event = mskEvent({ eventSourceArn: localClusterArn(bootstrapServers), bootstrapServers }, [
    mskRecordOf(topic, 0, kafkaMessage),
  ]);
  return { event, description: `${name} as 1 record of ${topic}`, warnings };
}

/** Checks that the payload is an event the function can receive, and shapes it as its trigger would. */
export function prepareEvent(service: ServiceName, payload: unknown, bootstrapServers: string): PreparedEvent {
  if (!isObject(payload)) throw new ToolUsageError('The event is not a JSON object.');
  if (service === 'order-api') {
    if (!isApiGatewayEvent(payload)) {
      throw new ToolUsageError(
        'order-api is invoked by API Gateway: give it an API Gateway proxy event (httpMethod, path, requestContext, body), ' +
          'such as test/fixtures/apigw-proxy-event.json.',
      );
    }
    return { event: payload, description: `${payload.httpMethod} ${payload.path ?? payload.resource}`, warnings: [] };
  }
  const consumer = CONSUMER_SERVICES.find((s) => s === service) as ConsumerServiceName;
  if (isMskEvent(payload)) {
    const count = Object.values(payload.records).reduce((sum, records) => sum + (records?.length ?? 0), 0);
    return { event: payload, description: `an MSK event of ${count} record${count === 1 ? '' : 's'}`, warnings: [] };
  }
  if (payload.specversion !== undefined) return wrapCloudEvent(consumer, payload, bootstrapServers);
  throw new ToolUsageError(
    `${service} is triggered by Kafka: give it an MSK event (eventSource "aws:kafka") or a CloudEvent (specversion, type, data), ` +
      'such as test/fixtures/msk-event.multi-partition.json or lambdas/shared/events/examples/*.json.',
  );
}

export interface PublishedRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** The value, parsed when it is JSON. */
  readonly value: unknown;
}

export interface InvocationReport {
  readonly function: ServiceName;
  readonly requestId: string;
  readonly durationMs: number;
  /** What the function returned, after the JSON round trip the Lambda runtime makes. */
  readonly response?: unknown;
  /** Why it failed: it threw, or ran past its timeout. */
  readonly error?: string;
  readonly logs: readonly string[];
  readonly published: readonly PublishedRecord[];
}

function text(value: Message['value'] | Message['key']): string | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

function publishedRecord(topic: string, message: Message): PublishedRecord {
  const value = text(message.value);
  let parsed: unknown = value;
  try {
    parsed = value === null ? null : JSON.parse(value);
  } catch {
    // Not JSON: reported as the text it is.
  }
  const headers = Object.fromEntries(
    Object.entries(message.headers ?? {}).map(([name, v]) => [
      name,
      Array.isArray(v) ? v.map(String).join(',') : String(v),
    ]),
  );
  return { topic, key: text(message.key), headers, value: parsed };
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** Writes to stdout and stderr while `run` runs go to `lines` instead (the function's log lines). */
async function capturingOutput<T>(lines: string[], run: () => Promise<T>): Promise<T> {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
  try {
    return await run();
  } finally {
    streams.forEach((stream, i) => {
      stream.write = originals[i] as typeof stream.write;
    });
  }
}

/**
 * Loads the function's handler module (after the environment is set: handlers read it at load) and
 * invokes it once, with the timeout of its spec, as the Lambda runtime would.
 */
export async function invokeFunction(service: ServiceName, event: unknown): Promise<InvocationReport> {
  const spec = SERVICE_SPECS[service];
  const { handler } = require(join(REPO_ROOT, spec.entry.replace(/\.ts$/, ''))) as { handler: Handler };
  const functionName = `local-${service}`;
  const requestId = randomUUID();
  const started = Date.now();
  const context = lambdaContext(
    {
      functionName,
      functionArn: functionArn(functionName),
      memoryMb: spec.memoryMb,
      timeoutSeconds: spec.timeoutSeconds,
    },
    requestId,
    started + spec.timeoutSeconds * 1000,
  );
  const logs: string[] = [];
  const published: PublishedRecord[] = [];
  const stopWatching = watchSharedProducers((clientId, batch) => {
    if (clientId !== service) return;
    for (const { topic, messages } of batch)
      for (const message of messages) published.push(publishedRecord(topic, message));
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await capturingOutput(logs, () =>
      Promise.race([
        Promise.resolve()
          .then(() => handler(JSON.parse(JSON.stringify(event)), context))
          .then(
            (value) => ({ response: value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown) }),
            (error: unknown) => ({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
          ),
        new Promise<{ error: string }>((resolve) => {
          timer = setTimeout(
            () => resolve({ error: `Task timed out after ${spec.timeoutSeconds.toFixed(2)} seconds` }),
            spec.timeoutSeconds * 1000,
          );
        }),
      ]),
    );
    return { function: service, requestId, durationMs: Date.now() - started, ...outcome, logs, published };
  } finally {
    clearTimeout(timer);
    stopWatching();
  }
}

/** The report for a person: what ran, then the response, the logs and what was published. */
export function formatReport(report: InvocationReport, description: string): string {
  const lines = [
    `${report.function} invoked with ${description}: ${report.error ? 'FAILED' : 'returned'} in ${report.durationMs} ms (request ${report.requestId})`,
    '',
    report.error ? `Error: ${report.error}` : `Response: ${JSON.stringify(report.response)}`,
    '',
    `Log lines (${report.logs.length}):`,
    ...report.logs.map((line) => `  ${line}`),
    '',
    `Published (${report.published.length}):`,
    ...report.published.map(
      (record) =>
        `  ${record.topic}  key ${record.key ?? 'none'}  ${record.headers.ce_type ?? ''}\n    ${JSON.stringify(record.value)}`,
    ),
  ];
  return lines.join('\n');
}
