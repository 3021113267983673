/**
 * Validation of CloudEvents against the repository's JSON Schemas (envelope, then data by the
 * event's type and version). Validators compile once per execution environment, on first use.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { CLOUDEVENT_TYPE_PREFIX, EVENT_NAMES, EVENTS, type EventName } from '../../../lib/topology';
import envelopeSchema from './schemas/CloudEvent.envelope.schema.json';

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

export type ValidationResult<T> =
  | { readonly ok: true; readonly event: CloudEvent<T>; readonly name: EventName; readonly version: number }
  | { readonly ok: false; readonly reason: string };

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const validateEnvelope = ajv.compile(envelopeSchema);
const dataValidators = new Map<string, ValidateFunction>();

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

export function validateCloudEvent<T = unknown>(candidate: unknown): ValidationResult<T> {
  if (!validateEnvelope(candidate)) {
    return { ok: false, reason: `envelope: ${describe(validateEnvelope.errors)}` };
  }
  const event = candidate as unknown as CloudEvent<T>;
  const name = event.type.slice(CLOUDEVENT_TYPE_PREFIX.length) as EventName;
  if (!event.type.startsWith(CLOUDEVENT_TYPE_PREFIX) || !EVENT_NAMES.includes(name)) {
    return { ok: false, reason: `unknown event type "${event.type}"` };
  }
  const version = schemaVersionOf(event.dataschema, name);
  if (version === undefined || !(EVENTS[name].versions as readonly number[]).includes(version)) {
    return { ok: false, reason: `unknown schema version in dataschema "${event.dataschema}" for ${name}` };
  }
  const validateData = dataValidator(name, version);
  if (!validateData(event.data)) {
    return { ok: false, reason: `${name} v${version} data: ${describe(validateData.errors)}` };
  }
  return { ok: true, event, name, version };
}

function dataValidator(name: EventName, version: number): ValidateFunction {
  const key = `${name}.v${version}`;
  let validate = dataValidators.get(key);
  if (!validate) {
    // A template-literal require: esbuild bundles every schema file the pattern can match.
    validate = ajv.compile(require(`./schemas/${name}.v${version}.schema.json`) as object);
    dataValidators.set(key, validate);
  }
  return validate;
}

/** `/items/0/quantity must be <= 100; / must have required property 'email'` */
export function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`).join('; ');
}
