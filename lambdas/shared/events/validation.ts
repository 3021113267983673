/**
 * Validation of CloudEvents against the repository's JSON Schemas: the envelope first, then the data
 * by the event's type and the version its `dataschema` names. The validators are compiled ahead of
 * time, so neither the bundle nor the cold start carries the Ajv compiler.
 *
 * They come from `#event-validators` (package.json "imports"): every schema when run from source,
 * and in a function's bundle only the events that function reads or writes (lib/bundling.ts). A
 * known event type whose schema a function does not carry is told apart from an unknown type
 * (`problem: 'not-carried'`), and `validateEnvelope` checks all that can be checked without it.
 */
import type { ErrorObject } from 'ajv';
import * as validators from '#event-validators';
import { type CloudEventType, EVENTS, type EventName, eventNameOf } from '../../../lib/topology';
import type { EventData, ReceivedEventData } from './types.generated';

/** A CloudEvent of the pipeline; `Type` narrows `type` where the event is known. */
export interface CloudEvent<T = unknown, Type extends string = string> {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: Type;
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly dataschema: string;
  readonly correlationid: string;
  readonly data: T;
}

/**
 * An event as its producer builds it (createEvent): the latest version's data, and a `type` that
 * names it, so a publisher typed by service takes only the events that service owns.
 */
export type OutgoingEvent<N extends EventName = EventName> = N extends EventName
  ? CloudEvent<EventData[N], CloudEventType<N>>
  : never;

/** An event as a consumer receives it: the data of any version still in the topic. */
export type ReceivedEvent<N extends EventName> = CloudEvent<ReceivedEventData[N]>;

/** A validated event, narrowed by its name so `data` has that event's type. */
export type ValidEvent = {
  [N in EventName]: { readonly name: N; readonly version: number; readonly event: ReceivedEvent<N> };
}[EventName];

/** Why a candidate is not a valid event. */
export type ValidationProblem =
  /** Not a CloudEvent envelope of this pipeline. */
  | 'envelope'
  /** A `type` no topology event has. */
  | 'unknown-type'
  /** A known type with a schema version the topology does not list. */
  | 'unknown-version'
  /** A known type and version whose data fails the schema (the reason names the field). */
  | 'data'
  /** A known type and version whose schema this function does not carry: it neither reads nor writes it. */
  | 'not-carried';

export interface ValidationFailure {
  readonly ok: false;
  readonly reason: string;
  readonly problem: ValidationProblem;
  /** The event name, when the type is known. */
  readonly name?: EventName;
}

export type ValidationResult = ({ readonly ok: true } & ValidEvent) | ValidationFailure;

/** An event whose envelope, type and schema version are valid; its data is not checked yet. */
export interface KnownEvent {
  readonly name: EventName;
  readonly version: number;
  readonly event: CloudEvent;
}

export type EnvelopeResult = ({ readonly ok: true } & KnownEvent) | ValidationFailure;

/**
 * An error of the generated validators: ajv's, without `schemaPath`, which scripts/events-codegen.ts
 * (compactErrors) leaves out to keep the bundles small.
 */
export type GeneratedError = Omit<ErrorObject, 'schemaPath'>;

interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: GeneratedError[] | null;
}

const generated = validators as unknown as Record<string, GeneratedValidator | undefined>;

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

/** Envelope, type and schema version: everything but the data, which needs the event's own schema. */
export function validateEnvelope(candidate: unknown): EnvelopeResult {
  const validateEnvelopeSchema = generated.envelope as GeneratedValidator;
  if (!validateEnvelopeSchema(candidate)) {
    return { ok: false, problem: 'envelope', reason: `envelope: ${describe(validateEnvelopeSchema.errors)}` };
  }
  const event = candidate as CloudEvent;
  const name = eventNameOf(event.type);
  if (name === undefined) {
    return { ok: false, problem: 'unknown-type', reason: `unknown event type "${event.type}"` };
  }
  const version = schemaVersionOf(event.dataschema, name);
  if (version === undefined || !(EVENTS[name].versions as readonly number[]).includes(version)) {
    return {
      ok: false,
      problem: 'unknown-version',
      name,
      reason: `unknown schema version in dataschema "${event.dataschema}" for ${name}`,
    };
  }
  return { ok: true, name, version, event };
}

/** Whether this build carries the validator of an event version (a function bundles only its own). */
export function carriesSchema(name: EventName, version: number): boolean {
  return typeof generated[validatorKey(name, version)] === 'function';
}

/** The data of an event whose envelope passed, against the schema of its type and version. */
export function validateEventData({ name, version, event }: KnownEvent): ValidationResult {
  const validateData = generated[validatorKey(name, version)];
  if (typeof validateData !== 'function') {
    return {
      ok: false,
      problem: 'not-carried',
      name,
      reason:
        `${name} v${version}: this function carries no validator for it, as it neither reads nor writes ` +
        `${name} (lib/topology.ts decides which schemas each function bundles)`,
    };
  }
  if (!validateData(event.data)) {
    return { ok: false, problem: 'data', name, reason: `${name} v${version} data: ${describe(validateData.errors)}` };
  }
  return { ok: true, name, version, event } as ValidationResult;
}

export function validateCloudEvent(candidate: unknown): ValidationResult {
  const known = validateEnvelope(candidate);
  return known.ok ? validateEventData(known) : known;
}

function validatorKey(name: EventName, version: number): string {
  return `${name}_v${version}`;
}

/** `/items/0/quantity must be <= 100; / must have required property 'email'` */
export function describe(errors: readonly GeneratedError[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
}
