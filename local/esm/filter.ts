/**
 * ESM filter criteria for Kafka, EventBridge pattern syntax, matched the way Lambda does for Kafka
 * (lambda-kafka-esm.md §4.1): only the `value` key, base64-decoded and read as UTF-8, matched by
 * structure when it is JSON and as a plain string otherwise. Patterns are ORed; no pattern means
 * every record passes.
 *
 * Supported: exact values, prefix, suffix, equals-ignore-case, anything-but (values, list, prefix,
 * suffix), numeric, exists, wildcard, nested objects and $or. Anything else throws when the
 * emulator is built, so a pattern this emulator would silently mis-match never runs.
 *
 * Value matchers apply to leaves only, as in EventBridge: a JSON object is an inner node, so
 * `[{ "anything-but": [""] }]` on `value` matches a plain string and never a JSON object, and
 * `exists` sees an object-valued field as absent (EventBridge documents exists for leaves only).
 */
import type { FilterPattern } from '../../lib/subscription-filters';

export class FilterPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterPatternError';
  }
}

type Predicate = (data: unknown) => boolean;
type LeafPredicate = (value: unknown, present: boolean) => boolean;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface FilterReading {
  /**
   * Whether a value matcher also sees a JSON object as a value (the `whole-value` reading of
   * ./readings.ts) instead of as an inner node it never matches (EventBridge's documented rule).
   * @default false
   */
  readonly objectsAreLeaves?: boolean;
}

/** Compiles the patterns into one test on a record's raw value bytes (null for a tombstone). */
export function compileFilters(
  patterns: readonly FilterPattern[],
  reading: FilterReading = {},
): (value: Buffer | null) => boolean {
  if (patterns.length === 0) return () => true;
  const objectsAreLeaves = reading.objectsAreLeaves ?? false;
  const compiled = patterns.map((pattern, i) => compileObject(pattern, `filters[${i}]`, objectsAreLeaves));
  return (value) => {
    const data = recordData(value);
    return compiled.some((test) => test(data));
  };
}

/** What a pattern sees: `{ value }`, the value parsed as JSON when it parses, else the string. */
function recordData(value: Buffer | null): Record<string, unknown> {
  if (value === null) return {};
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    // Not UTF-8: only metadata filters could apply, and Kafka ESMs filter on `value` only.
    return {};
  }
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { value: text };
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compileObject(pattern: unknown, path: string, objectsAreLeaves: boolean): Predicate {
  if (!isPlainObject(pattern)) throw new FilterPatternError(`${path} must be an object`);
  const tests: Predicate[] = Object.entries(pattern).map(([key, sub]) => {
    if (key === '$or') {
      if (!Array.isArray(sub) || sub.length < 2) throw new FilterPatternError(`${path}.$or needs 2 or more patterns`);
      const alternatives = sub.map((p, i) => compileObject(p, `${path}.$or[${i}]`, objectsAreLeaves));
      return (data) => alternatives.some((test) => test(data));
    }
    return compileField(key, sub, `${path}.${key}`, objectsAreLeaves);
  });
  return (data) => tests.every((test) => test(data));
}

function compileField(key: string, pattern: unknown, path: string, objectsAreLeaves: boolean): Predicate {
  if (Array.isArray(pattern)) {
    const leaves = pattern.map((m, i) => compileLeaf(m, `${path}[${i}]`));
    return (data) => {
      const present = isPlainObject(data) && Object.hasOwn(data, key);
      const value = present ? (data as Record<string, unknown>)[key] : undefined;
      // An array in the event matches when any of its elements does.
      const candidates = Array.isArray(value) ? value : [value];
      return candidates.some((candidate) => {
        const leaf = present && (objectsAreLeaves || !isPlainObject(candidate));
        return leaves.some((test) => test(leaf ? candidate : undefined, leaf));
      });
    };
  }
  const nested = compileObject(pattern, path, objectsAreLeaves);
  return (data) => {
    if (!isPlainObject(data) || !Object.hasOwn(data, key)) return false;
    const value = data[key];
    return Array.isArray(value) ? value.some((v) => nested(v)) : nested(value);
  };
}

function compileLeaf(matcher: unknown, path: string): LeafPredicate {
  if (matcher === null || typeof matcher === 'string' || typeof matcher === 'number' || typeof matcher === 'boolean') {
    return (value, present) => present && value === matcher;
  }
  if (!isPlainObject(matcher)) throw new FilterPatternError(`${path} is not a value or a matcher object`);
  const entries = Object.entries(matcher);
  if (entries.length !== 1) throw new FilterPatternError(`${path} must have exactly one operator`);
  const [operator, operand] = entries[0] as [string, unknown];
  switch (operator) {
    case 'prefix':
      return stringTest(path, operand, (value, s) => value.startsWith(s));
    case 'suffix':
      return stringTest(path, operand, (value, s) => value.endsWith(s));
    case 'equals-ignore-case':
      return stringTest(path, operand, (value, s) => value.toLowerCase() === s.toLowerCase());
    case 'wildcard': {
      if (typeof operand !== 'string') throw new FilterPatternError(`${path}.wildcard needs a string`);
      const regex = new RegExp(`^${operand.split('*').map(escapeRegex).join('.*')}$`, 's');
      return (value, present) => present && typeof value === 'string' && regex.test(value);
    }
    case 'exists':
      if (typeof operand !== 'boolean') throw new FilterPatternError(`${path}.exists needs true or false`);
      return (_value, present) => present === operand;
    case 'numeric':
      return numericTest(path, operand);
    case 'anything-but':
      return anythingBut(path, operand);
    default:
      throw new FilterPatternError(`${path}: the "${operator}" operator is not supported by the local emulator`);
  }
}

function stringTest(path: string, operand: unknown, test: (value: string, s: string) => boolean): LeafPredicate {
  if (typeof operand !== 'string') throw new FilterPatternError(`${path} needs a string`);
  return (value, present) => present && typeof value === 'string' && test(value, operand);
}

const NUMERIC_OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numericTest(path: string, operand: unknown): LeafPredicate {
  if (!Array.isArray(operand) || operand.length === 0 || operand.length % 2 !== 0) {
    throw new FilterPatternError(`${path}.numeric needs [operator, number, ...]`);
  }
  const comparisons: ((v: number) => boolean)[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const compare = NUMERIC_OPERATORS[String(operand[i])];
    const bound = operand[i + 1];
    if (!compare || typeof bound !== 'number') throw new FilterPatternError(`${path}.numeric is malformed`);
    comparisons.push((v) => compare(v, bound));
  }
  return (value, present) => present && typeof value === 'number' && comparisons.every((c) => c(value));
}

function anythingBut(path: string, operand: unknown): LeafPredicate {
  // Like EventBridge, anything-but never matches a missing field.
  if (Array.isArray(operand)) return (value, present) => present && !operand.includes(value);
  if (isPlainObject(operand)) {
    const inner = compileLeaf(operand, `${path}.anything-but`);
    return (value, present) => present && typeof value === 'string' && !inner(value, present);
  }
  return (value, present) => present && value !== operand;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
