/**
 * BACKWARD compatibility of JSON Schemas, as the Glue Schema Registry enforces it: a consumer using
 * the new schema must be able to read every document written with the old one. Checked
 * structurally, on the subset of JSON Schema the event schemas use, conservatively: a change this
 * cannot prove safe is reported.
 *
 * Safe: new optional properties, wider bounds, more enum values, fewer required properties.
 * Breaking: a new required property, a removed property of a closed object, a changed type,
 * tighter bounds or patterns, fewer enum values, an object newly closed.
 */
type Schema = { readonly [key: string]: unknown };

const LOWER_BOUNDS = ['minimum', 'minLength', 'minItems'] as const;
const UPPER_BOUNDS = ['maximum', 'maxLength', 'maxItems'] as const;
const HANDLED = new Set([
  '$schema',
  '$id',
  'title',
  'description',
  'examples',
  '$comment',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'pattern',
  'format',
  ...LOWER_BOUNDS,
  ...UPPER_BOUNDS,
]);

export function backwardIncompatibilities(previous: Schema, next: Schema, path = '#'): string[] {
  const problems: string[] = [];
  const deepEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

  // Keywords this checker does not reason about must not change at all.
  for (const key of new Set([...Object.keys(previous), ...Object.keys(next)])) {
    if (!HANDLED.has(key) && !deepEqual(previous[key], next[key])) {
      problems.push(`${path}: "${key}" changed, and this checker cannot prove the change backward compatible`);
    }
  }
  if (!deepEqual(previous.type, next.type)) {
    problems.push(`${path}: type changed from ${JSON.stringify(previous.type)} to ${JSON.stringify(next.type)}`);
  }
  for (const key of ['pattern', 'format', 'const'] as const) {
    if (next[key] !== undefined && !deepEqual(previous[key], next[key])) {
      problems.push(`${path}: ${key} changed from ${JSON.stringify(previous[key])} to ${JSON.stringify(next[key])}`);
    }
  }
  for (const key of LOWER_BOUNDS) {
    const before = previous[key] as number | undefined;
    const after = next[key] as number | undefined;
    if (after !== undefined && (before === undefined || after > before)) {
      problems.push(`${path}: ${key} tightened from ${before ?? 'none'} to ${after}`);
    }
  }
  for (const key of UPPER_BOUNDS) {
    const before = previous[key] as number | undefined;
    const after = next[key] as number | undefined;
    if (after !== undefined && (before === undefined || after < before)) {
      problems.push(`${path}: ${key} tightened from ${before ?? 'none'} to ${after}`);
    }
  }
  if (next.enum !== undefined) {
    const allowed = new Set((next.enum as unknown[]).map((v) => JSON.stringify(v)));
    const before = previous.enum as unknown[] | undefined;
    if (before === undefined) problems.push(`${path}: enum added`);
    for (const value of before ?? []) {
      if (!allowed.has(JSON.stringify(value))) problems.push(`${path}: enum value ${JSON.stringify(value)} removed`);
    }
  }

  const previousRequired = new Set((previous.required ?? []) as string[]);
  for (const name of (next.required ?? []) as string[]) {
    if (!previousRequired.has(name)) problems.push(`${path}: property "${name}" became required`);
  }
  const previousProperties = (previous.properties ?? {}) as Record<string, Schema>;
  const nextProperties = (next.properties ?? {}) as Record<string, Schema>;
  const wasOpen = previous.additionalProperties !== false;
  const isOpen = next.additionalProperties !== false;
  if (wasOpen && !isOpen) problems.push(`${path}: object closed (additionalProperties: false)`);
  for (const [name, schema] of Object.entries(previousProperties)) {
    const after = nextProperties[name];
    if (!after) {
      if (!isOpen) problems.push(`${path}/properties/${name}: removed from a closed object`);
      continue;
    }
    problems.push(...backwardIncompatibilities(schema, after, `${path}/properties/${name}`));
  }
  for (const name of Object.keys(nextProperties)) {
    // A property the old schema left open may have been written with any value.
    if (!(name in previousProperties) && wasOpen) {
      problems.push(`${path}/properties/${name}: added to an open object, so old documents may hold any value there`);
    }
  }
  if (previous.items !== undefined || next.items !== undefined) {
    if (previous.items === undefined || next.items === undefined) {
      problems.push(`${path}/items: added or removed`);
    } else {
      problems.push(...backwardIncompatibilities(previous.items as Schema, next.items as Schema, `${path}/items`));
    }
  }
  return problems;
}
