/**
 * Strings JSON can carry but UTF-8 cannot: a `\ud800` escape parses to a lone UTF-16 surrogate,
 * which no Unicode encoding can write. Kafka would carry it escaped, but DynamoDB, SNS and email
 * take UTF-8 text and would refuse it or silently turn it into U+FFFD downstream, after the order
 * was accepted. The edge refuses it instead, naming the field.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The JSON Pointer of the first string (or object key) holding a lone surrogate, if any. */
export function firstLoneSurrogate(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path || '/' : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = firstLoneSurrogate(item, `${path}/${index}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key)) return `${path}/${key}`;
      const found = firstLoneSurrogate(item, `${path}/${key}`);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
