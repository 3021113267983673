/**
 * Where the JSON Schemas live in the repository. The CDK app reads them to register them in the
 * Glue Schema Registry and to build API Gateway request models; handlers bundle the same files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventName } from './topology';

const REPO_ROOT = join(__dirname, '..');
export const EVENT_SCHEMA_DIR = join(REPO_ROOT, 'lambdas', 'shared', 'events', 'schemas');
export const REQUEST_SCHEMA_DIR = join(REPO_ROOT, 'lambdas', 'order-api', 'schemas');

export type JsonObject = { [key: string]: unknown };

export function eventSchemaPath(event: EventName, version: number): string {
  return join(EVENT_SCHEMA_DIR, `${event}.v${version}.schema.json`);
}

export function readEventSchema(event: EventName, version: number): JsonObject {
  return readJson(eventSchemaPath(event, version));
}

export const REQUEST_SCHEMAS = ['CreateOrderRequest', 'RegisterUserRequest'] as const;
export type RequestSchemaName = (typeof REQUEST_SCHEMAS)[number];

export function readRequestSchema(name: RequestSchemaName): JsonObject {
  return readJson(join(REQUEST_SCHEMA_DIR, `${name}.schema.json`));
}

function readJson(path: string): JsonObject {
  return JSON.parse(readFileSync(path, 'utf8')) as JsonObject;
}
