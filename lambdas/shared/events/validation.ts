/**
 * Validation of CloudEvents against the repository's JSON Schemas: the envelope first, then the data
 * by the event's type and the version its `dataschema` names. The validators are compiled ahead of
 * time (validators.generated.ts), so neither the bundle nor the cold start carries the Ajv compiler.
 */
import type { ErrorObject } from 'ajv';
import { CLOUDEVENT_TYPE_PREFIX, EVENT_NAMES, EVENTS, type EventName } from '../../../lib/topology';
import type { ReceivedEventData } from './types.generated';
import * as validators from './validators.generated';

export interface CloudEvent<T = unknown> {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly dataschema: string;
  readonly correlationid: string;
  readonly data: T;
}

/** A validated event, narrowed by its name so `data` has that event's type. */
export type ValidEvent = {
  [N in EventName]: { readonly name: N; readonly version: number; readonly event: CloudEvent<ReceivedEventData[N]> };
}[EventName];

export type ValidationResult = ({ readonly ok: true } & ValidEvent) | { readonly ok: false; readonly reason: string };

interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const generated = validators as unknown as Record<string, GeneratedValidator>;

export const SCHEMA_BASE_URI = 'https://schemas.orderpipeline.dev/events/';

export function dataSchemaUri(name: EventName, version: number): string {
  return `${SCHEMA_BASE_URI}${name}/v${version}.json`;
}

/** Reads the schema version from `dataschema`, which must be exactly `<base>/<EventName>/v<N>.json`. */
export function schemaVersionOf(dataschema: string, name?: EventName): number | undefined {
  if (!dataschema.startsWith(SCHEMA_BASE_URI)) return undefined;
  const match = /^([A-Za-z]+)\/v([1-9]\d*)\.json$/.exec(dataschema.slice(SCHEMA_BASE_URI.length));
  if (!match || (name !== undefined && match[1] !== name)) return undefined;
  return Number(match[2]);
}

export type EnvelopeResult =
  | { readonly ok: true; readonly name: EventName; readonly event: CloudEvent }
  | { readonly ok: false; readonly reason: string };

/** The envelope alone, and the event's name when its type is one of the catalogue's. */
export function readEnvelope(candidate: unknown): EnvelopeResult {
  const validateEnvelope = generated.envelope as GeneratedValidator;
  if (!validateEnvelope(candidate)) {
    return { ok: false, reason: `envelope: ${describe(validateEnvelope.errors)}` };
  }
  const event = candidate as CloudEvent;
  const name = event.type.slice(CLOUDEVENT_TYPE_PREFIX.length) as EventName;
  if (!event.type.startsWith(CLOUDEVENT_TYPE_PREFIX) || !EVENT_NAMES.includes(name)) {
    return { ok: false, reason: `unknown event type "${event.type}"` };
  }
  return { ok: true, name, event };
}

export function validateCloudEvent(candidate: unknown): ValidationResult {
  const envelope = readEnvelope(candidate);
  return envelope.ok ? validateEventData(envelope.name, envelope.event) : envelope;
}

/** The data of an event whose envelope is valid, against the schema version its `dataschema` names. */
export function validateEventData(name: EventName, event: CloudEvent): ValidationResult {
  const version = schemaVersionOf(event.dataschema, name);
  if (version === undefined || !(EVENTS[name].versions as readonly number[]).includes(version)) {
    return { ok: false, reason: `unknown schema version in dataschema "${event.dataschema}" for ${name}` };
  }
  const validateData = generated[`${name}_v${version}`] as GeneratedValidator;
  if (!validateData(event.data)) {
    return { ok: false, reason: `${name} v${version} data: ${describe(validateData.errors)}` };
  }
  return { ok: true, name, version, event } as ValidationResult;
}

/** `/items/0/quantity must be <= 100; / must have required property 'email'` */
export function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
}
