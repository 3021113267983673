/**
 * Where the JSON Schemas (and the example events) live in the repository. The CDK app reads them to
 * register them in the Glue Schema Registry and to build API Gateway request models; handlers bundle
 * the same files; the code generators (scripts/) read them through here too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventName } from './topology';

const REPO_ROOT = join(__dirname, '..');
export const EVENT_SCHEMA_DIR = join(REPO_ROOT, 'lambdas', 'shared', 'events', 'schemas');
export const EVENT_EXAMPLE_DIR = join(REPO_ROOT, 'lambdas', 'shared', 'events', 'examples');
export const REQUEST_SCHEMA_DIR = join(REPO_ROOT, 'lambdas', 'order-api', 'schemas');
/** The CloudEvent envelope every event travels in. */
export const ENVELOPE_SCHEMA_PATH = join(EVENT_SCHEMA_DIR, 'CloudEvent.envelope.schema.json');
/** The records of the `<service>.dlq` topics (lambdas/shared/kafka/dead-letter.ts writes them). */
export const DEAD_LETTER_SCHEMA_PATH = join(REPO_ROOT, 'lambdas', 'shared', 'kafka', 'dead-letter.schema.json');

export type JsonObject = { [key: string]: unknown };

export function eventSchemaPath(event: EventName, version: number): string {
  return join(EVENT_SCHEMA_DIR, `${event}.v${version}.schema.json`);
}

export function readEventSchema(event: EventName, version: number): JsonObject {
  return readJson(eventSchemaPath(event, version));
}

/** The example CloudEvent of an event version (every version has one; a test checks it). */
export function readEventExample(event: EventName, version: number): JsonObject {
  return readJson(join(EVENT_EXAMPLE_DIR, `${event}.v${version}.example.json`));
}

export const REQUEST_SCHEMAS = ['CreateOrderRequest', 'RegisterUserRequest'] as const;
export type RequestSchemaName = (typeof REQUEST_SCHEMAS)[number];

export function readRequestSchema(name: RequestSchemaName): JsonObject {
  return readJson(join(REQUEST_SCHEMA_DIR, `${name}.schema.json`));
}

export function readJson(path: string): JsonObject {
  return JSON.parse(readFileSync(path, 'utf8')) as JsonObject;
}
