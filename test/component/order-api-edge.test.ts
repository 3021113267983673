/**
 * Properties of the order API's edge, generated with fast-check, at the handler level (API Gateway
 * REST proxy events, as AWS builds them) and through the API Gateway emulator over real HTTP.
 *
 * Whatever a client sends: never a 5xx; every refusal is a JSON error that names the problem; a
 * refused request publishes nothing; every published event is valid against its schema, made of
 * well-formed Unicode, and published once; an Idempotency-Key answers its first response again for
 * the same body (one event) and 422 for another.
 *
 * Runs are seeded (FC_SEED=<n> to explore other seeds), so a failure prints the seed and path that
 * replay it. Each property names its run count; together they take seconds.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import fc from 'fast-check';
import type { OrderApiDeps } from '../../lambdas/order-api/deps';
import { bodyHash, dynamoRequestIdempotency } from '../../lambdas/order-api/request-idempotency';
import { MAX_BODY_BYTES, routeRequest } from '../../lambdas/order-api/routes';
import { getProducts, SEED_CATALOGUE, seedCatalogue } from '../../lambdas/shared/catalogue';
import { type CloudEvent, validateCloudEvent } from '../../lambdas/shared/events/validation';
import { type EventPublisher, toKafkaMessage } from '../../lambdas/shared/kafka/publisher';
import { ApiGatewayEmulator } from '../../local/api-gateway';
import fixture from '../fixtures/apigw-proxy-event.json';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { lambdaContext } from '../support/lambda-context';

const SEED = Number(process.env.FC_SEED ?? 20_261_128);
const runs = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, seed: SEED });

// ---------------------------------------------------------------------------------------------
// What the API publishes, checked as it is published.
// ---------------------------------------------------------------------------------------------

/** Keeps every event, in the bytes Kafka would carry, and every problem found with one. */
class CheckingPublisher implements EventPublisher {
  readonly published: CloudEvent[] = [];
  readonly problems: string[] = [];
  private readonly ids = new Set<string>();

  async publish(events: readonly CloudEvent[]): Promise<void> {
    for (const event of events) {
      // The record value as the producer writes it, read back as a consumer reads it.
      const value = Buffer.from(toKafkaMessage(event).value as string, 'utf8');
      const received: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(value));
      const result = validateCloudEvent(received);
      if (!result.ok) this.problems.push(`invalid ${event.type}: ${result.reason}`);
      if (this.ids.has(event.id)) this.problems.push(`event id ${event.id} published twice`);
      const malformed = malformedStrings(received);
      if (malformed.length > 0) this.problems.push(`${event.type} carries lone surrogates at ${malformed.join(', ')}`);
      this.ids.add(event.id);
      this.published.push(event);
    }
  }
}

/** Whether UTF-8 can carry the string unchanged (it cannot carry a lone surrogate). */
const wellFormed = (text: string): boolean =>
  new TextDecoder('utf-8', { ignoreBOM: true }).decode(new TextEncoder().encode(text)) === text;

/** Paths of the strings UTF-8 cannot carry. */
function malformedStrings(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return wellFormed(value) ? [] : [path || '/'];
  if (Array.isArray(value)) return value.flatMap((item, i) => malformedStrings(item, `${path}/${i}`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => malformedStrings(item, `${path}/${key}`));
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// Requests: the real proxy event fixture, with another method, path, headers and body.
// ---------------------------------------------------------------------------------------------

type Path = '/orders' | '/users';

interface Request {
  readonly path: Path;
  /** Header name (in the casing sent) to value; a name may repeat in another casing. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string | null;
  readonly isBase64Encoded?: boolean;
}

const BASE_HEADERS = Object.entries(fixture.headers).filter(([name]) => name.toLowerCase() !== 'content-type');

/**
 * A REST proxy event for this request: `headers` holds the last value of each name as sent,
 * `multiValueHeaders` every value, as API Gateway builds them.
 */
function proxyEvent(request: Request): APIGatewayProxyEvent {
  const event = structuredClone(fixture) as APIGatewayProxyEvent;
  const headers: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [sent, value] of [...BASE_HEADERS, ...request.headers]) {
    // One name however it is cased, as the first request header spelled it.
    const name = Object.keys(multi).find((known) => known.toLowerCase() === sent.toLowerCase()) ?? sent;
    headers[name] = value;
    multi[name] = [...(multi[name] ?? []), value];
  }
  event.path = request.path;
  event.resource = request.path;
  event.requestContext.resourcePath = request.path;
  event.requestContext.path = `/dev${request.path}`;
  event.requestContext.requestId = randomUUID();
  event.headers = headers;
  event.multiValueHeaders = multi;
  event.body = request.body;
  event.isBase64Encoded = request.isBase64Encoded ?? false;
  return event;
}

const json = (contentType = 'application/json'): [string, string] => ['Content-Type', contentType];

// ---------------------------------------------------------------------------------------------
// Generators.
// ---------------------------------------------------------------------------------------------

const SKUS = SEED_CATALOGUE.map((p) => p.sku);

/** Text that is hard on parsers, encoders and consumers, each kind named for a failure report. */
const oddText = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'nul\u0000inside',
    '\ud800',
    'lone \udfff low',
    'a\ud83dz',
    '\u202eRTL override\u202c',
    '\u200f\u05e9\u05dc\u05d5\u05dd',
    '👩‍👩‍👧‍👦',
    '🇬🇧🏳️‍🌈',
    'e\u0301\u0301\u0301',
    '\ufeffBOM',
    '\uffff\ufffe',
    '\u2028line\u2029sep',
    '\t\r\n',
    '"quoted" \\ back',
    '</script><script>',
    "' OR 1=1 --",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, meant literally.
    '${jndi:ldap://x}',
    '__proto__',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\ud800', '\udc00', 'a', 'é', '😀'), minLength: 1, maxLength: 20 }),
  fc.integer({ min: 101, max: 5_000 }).map((n) => 'Ω'.repeat(n)),
);

const line = fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 100 }) });

/** A valid order body, sold-out and declined ones included: the API accepts all of them. */
const validOrder = fc
  .record(
    {
      customerId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/),
      items: fc.uniqueArray(line, { minLength: 1, maxLength: 5, selector: (l) => l.sku }),
      paymentMethod: fc.constantFrom('tok_visa', 'tok_declined', 'tok_unknown_1'),
      shippingAddress: fc.record(
        {
          name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
          line1: fc.string({ minLength: 1, maxLength: 30 }),
          line2: fc.string({ minLength: 1, maxLength: 30 }),
          city: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
          postalCode: fc.string({ minLength: 1, maxLength: 10 }),
          country: fc.constantFrom('GB', 'FR', 'US', 'JP'),
        },
        { requiredKeys: ['name', 'line1', 'city', 'postalCode', 'country'] },
      ),
      email: fc.tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.constantFrom('example.com', 'mail.example.org')),
      giftMessage: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 50 }),
    },
    { requiredKeys: ['customerId', 'items', 'paymentMethod', 'shippingAddress', 'email'] },
  )
  .map(({ email: [local, domain], ...order }) => ({ ...order, email: `${local}@${domain}` }));

const validUser = fc.record({
  email: fc.stringMatching(/^[a-z0-9]{1,12}$/).map((local) => `${local}@example.com`),
  name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
});

type Json = Record<string, unknown>;

/** Every field of an order body, as a path of keys; a wrong value there must be named in the 400. */
const ORDER_FIELDS: readonly (readonly string[])[] = [
  ['customerId'],
  ['items'],
  ['items', '0'],
  ['items', '0', 'sku'],
  ['items', '0', 'quantity'],
  ['paymentMethod'],
  ['shippingAddress'],
  ['shippingAddress', 'name'],
  ['shippingAddress', 'line1'],
  ['shippingAddress', 'line2'],
  ['shippingAddress', 'city'],
  ['shippingAddress', 'postalCode'],
  ['shippingAddress', 'country'],
  ['email'],
  ['giftMessage'],
];

const OPTIONAL_FIELDS = ['line2', 'giftMessage'];

/** The JSON type each field must have. */
function expectedType(path: readonly string[]): 'string' | 'integer' | 'array' | 'object' {
  const last = path.at(-1);
  if (last === 'items') return 'array';
  if (last === '0' || last === 'shippingAddress') return 'object';
  if (last === 'quantity') return 'integer';
  return 'string';
}

function hasType(value: unknown, type: 'string' | 'integer' | 'array' | 'object'): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

/** Any JSON value, the wrong types for a field among them. */
const anyJsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(0, -1, 1.5, 1e21, true, false, null, '', [], {}, [1], { a: 1 }, '1', 'true'),
);

function setAt(body: Json, path: readonly string[], value: unknown): Json {
  const copy = structuredClone(body);
  let target = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[path.at(-1) as string] = value;
  return copy;
}

/** Text that is not valid JSON, or only nearly. */
const malformedJson = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('', ' ', '{', '}', '{"a":}', '[1,]', "{'a':1}", 'NaN', '{"a":1}{"b":2}', '\ufeff{}', '{"a":"\\x"}'),
  fc.json().map((text) => text.slice(0, Math.max(1, text.length - 1))),
);

/** A valid body, re-serialized with its keys reversed and with whitespace: the same request to the hash. */
function reserialized(body: unknown): string {
  const reversed = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(reversed);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value)
          .reverse()
          .map(([k, v]) => [k, reversed(v)]),
      );
    }
    return value;
  };
  return `\n  ${JSON.stringify(reversed(body), null, 3)}\t\n`;
}

/** Case variants of a header name, as clients send them. */
const casing = (name: string): fc.Arbitrary<string> =>
  fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((upper) => [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

// ---------------------------------------------------------------------------------------------

describe('order API edge: properties over generated requests', () => {
  let dynamo: TestDynamo;
  let deps: OrderApiDeps;
  const publisher = new CheckingPublisher();
  let ids = 0;

  beforeAll(async () => {
    dynamo = await startDynamo();
    await seedCatalogue(dynamo.items, dynamo.tableName('inventory'));
    deps = {
      publisher,
      products: (skus) => getProducts(dynamo.items, dynamo.tableName('inventory'), skus),
      orderView: async (orderId) =>
        (
          await dynamo.documents.send(
            new GetCommand({ TableName: dynamo.tableName('orders'), Key: { orderId }, ConsistentRead: true }),
          )
        ).Item,
      requestIdempotency: dynamoRequestIdempotency({
        client: dynamo.client,
        tableName: dynamo.tableName('idempotency'),
      }),
      newOrderId: () => `ord_EDGE${String(++ids).padStart(12, '0')}`,
      newUserId: () => `usr_EDGE${String(++ids).padStart(12, '0')}`,
      newCorrelationId: () => randomUUID(),
      logger: { info: () => undefined, error: () => undefined },
    };
  });
  afterAll(async () => dynamo.stop());
  afterEach(() => expect(publisher.problems.splice(0)).toEqual([]));

  interface Answer {
    readonly response: APIGatewayProxyResult;
    readonly body: Json;
    readonly events: CloudEvent[];
  }

  const send = (request: Request): Promise<APIGatewayProxyResult> =>
    routeRequest(proxyEvent(request), deps, lambdaContext('order-api'));

  /** What holds for every answer: no 5xx, a JSON body, a refusal that says what is wrong. */
  function checked(response: APIGatewayProxyResult): Json {
    expect(response.statusCode).toBeLessThan(500);
    expect(response.headers?.['content-type']).toBe('application/json');
    const body = JSON.parse(response.body) as Json;
    if (response.statusCode >= 300) {
      expect(body).toEqual({ error: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) });
      expect((body.message as string).length).toBeGreaterThan(10);
    } else {
      expect(response.statusCode).toBe(202);
    }
    return body;
  }

  /** One request, checked; a refusal publishes nothing, an acceptance at most its one event. */
  async function call(request: Request): Promise<Answer> {
    const before = publisher.published.length;
    const response = await send(request);
    const events = publisher.published.slice(before);
    const body = checked(response);
    if (response.statusCode >= 300) expect(events).toEqual([]);
    expect(events.length).toBeLessThanOrEqual(1);
    for (const event of events) expect(event.subject).toBe(body.orderId ?? body.userId);
    expect(publisher.problems.splice(0)).toEqual([]);
    return { response, body, events };
  }

  it('never answers 5xx and refuses without publishing, whatever the body, path and content type', async () => {
    const body = fc.oneof(
      malformedJson,
      fc.json({ maxDepth: 3 }),
      validOrder.map((o) => JSON.stringify(o)),
      validUser.map((u) => JSON.stringify(u)),
      fc
        .tuple(validOrder, fc.constantFrom(...ORDER_FIELDS), anyJsonValue)
        .map(([o, path, value]) => JSON.stringify(setAt(o as Json, path, value))),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/cloudevents+json',
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Path>('/orders', '/users'), body, contentType, async (path, text, type) => {
        const { response, events } = await call({ path, headers: [json(type)], body: text });
        if (response.statusCode === 202) expect(events).toHaveLength(1);
      }),
      runs(300),
    );
  });

  it('answers a wrong type or a missing value in any field 400, naming the field', async () => {
    const wrong = fc.constantFrom(...ORDER_FIELDS).chain((path) =>
      fc.tuple(
        fc.constant(path),
        fc.option(
          anyJsonValue.filter((value) => !hasType(value, expectedType(path))),
          { nil: undefined, freq: 5 },
        ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(validOrder, wrong, async (order, [path, value]) => {
        // An array element cannot be missing: JSON writes the hole as null, a wrong type at its path.
        const removed = value === undefined && path.at(-1) !== '0';
        fc.pre(!removed || !OPTIONAL_FIELDS.includes(path.at(-1) as string));
        const base = { ...order, shippingAddress: { line2: 'Flat 1', ...order.shippingAddress }, giftMessage: 'Hi' };
        const sent = setAt(base as Json, path, value);
        const { response, body } = await call({ path: '/orders', headers: [json()], body: JSON.stringify(sent) });
        expect(response.statusCode).toBe(400);
        expect(body.error).toBe('invalid_request');
        // Missing: "/shippingAddress must have required property 'city'"; wrong: "/shippingAddress/city must be string".
        const named = removed ? `'${path.at(-1)}'` : `/${path.join('/')}`;
        expect(body.message).toContain(named);
      }),
      runs(200),
    );
  });

  it('refuses a body over 64 KiB with 413 whatever it holds, plain or base64, and publishes nothing', async () => {
    const oversize = fc.integer({ min: MAX_BODY_BYTES + 1, max: 4 * MAX_BODY_BYTES });
    const huge = fc.oneof(
      // A valid order padded with whitespace: only its size is wrong.
      fc.tuple(validOrder, oversize).map(([o, size]) => JSON.stringify(o).padEnd(size, ' ')),
      // One very long string field, in multi-byte characters.
      fc.tuple(validOrder, oversize).map(([o, size]) => JSON.stringify({ ...o, giftMessage: '€'.repeat(size / 3) })),
      fc
        .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }), oversize)
        .map(([s, size]) => s.repeat(Math.ceil(size / Buffer.byteLength(s)))),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Path>('/orders', '/users'), huge, fc.boolean(), async (path, text, base64) => {
        expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_BODY_BYTES);
        const body = base64 ? Buffer.from(text).toString('base64') : text;
        const { response, body: answer } = await call({ path, headers: [json()], body, isBase64Encoded: base64 });
        expect(response.statusCode).toBe(413);
        expect(answer.error).toBe('payload_too_large');
      }),
      runs(40),
    );
  });

  it('carries odd Unicode text into the event unchanged, or refuses it 400 naming the field', async () => {
    const TEXT_FIELDS = [
      ['shippingAddress', 'name'],
      ['shippingAddress', 'line1'],
      ['shippingAddress', 'line2'],
      ['shippingAddress', 'city'],
      ['shippingAddress', 'postalCode'],
      ['giftMessage'],
    ] as const;
    await fc.assert(
      fc.asyncProperty(validOrder, fc.constantFrom(...TEXT_FIELDS), oddText, async (order, path, text) => {
        const sent = setAt(order as Json, path, text);
        const { response, body, events } = await call({
          path: '/orders',
          headers: [json()],
          body: JSON.stringify(sent),
        });
        if (response.statusCode === 202) {
          expect(wellFormed(text)).toBe(true);
          const data = (events[0] as CloudEvent<Json>).data;
          const carried = path.length === 2 ? (data.shippingAddress as Json)[path[1]] : data[path[0]];
          expect(carried).toBe(text);
        } else {
          expect(response.statusCode).toBe(400);
          expect(body.message).toContain(`/${path.join('/')}`);
        }
      }),
      runs(200),
    );
  });

  it('reads Content-Type and Idempotency-Key in any casing, with parameters, repeated or missing', async () => {
    const mediaType = fc.oneof(
      fc.tuple(casing('application/json'), fc.constantFrom('', ' ', ';charset=utf-8', '; charset=UTF-8', ' ; a=b')),
      fc.tuple(
        fc.constantFrom('application/jsonp', 'application/json-patch+json', 'text/json', 'application', '', '*/*'),
        fc.constant(''),
      ),
    );
    const idempotencyKey = fc.option(
      fc.oneof(
        fc.stringMatching(/^[\x21-\x7e]{1,128}$/),
        fc.constantFrom('', ' ', 'with space', 'x'.repeat(129), 'ключ', 'tab\there', 'nul\u0000', 'é'),
      ),
      { nil: undefined },
    );
    const header = fc.record({
      contentTypeName: casing('content-type'),
      contentType: fc.option(mediaType, { nil: undefined }),
      // A first Content-Type in another casing: API Gateway keeps the last one in `headers`.
      earlier: fc.option(fc.constantFrom('text/plain', 'application/json'), { nil: undefined }),
      keyName: casing('idempotency-key'),
      key: idempotencyKey,
    });
    await fc.assert(
      fc.asyncProperty(validOrder, header, async (order, h) => {
        const headers: [string, string][] = [];
        if (h.earlier !== undefined) headers.push(['CONTENT-TYPE', h.earlier]);
        const contentType = h.contentType === undefined ? undefined : h.contentType.join('');
        if (contentType !== undefined) headers.push([h.contentTypeName, contentType]);
        // A fresh key per run: this property is about the header, not about replays.
        const key =
          h.key !== undefined && /^[\x21-\x7e]{1,128}$/.test(h.key) ? h.key.slice(0, 92) + randomUUID() : h.key;
        if (key !== undefined) headers.push([h.keyName, key]);
        const { response, body } = await call({ path: '/orders', headers, body: JSON.stringify(order) });

        const effective = contentType ?? h.earlier;
        const isJson = effective !== undefined && /^application\/json\s*(;|$)/i.test(effective);
        const keyValid = key === undefined || /^[\x21-\x7e]{1,128}$/.test(key);
        if (!isJson) {
          expect(response.statusCode).toBe(415);
          expect(body.message).toContain('application/json');
        } else if (!keyValid) {
          expect(response.statusCode).toBe(400);
          expect(body.message).toContain('Idempotency-Key');
        } else {
          expect(response.statusCode).toBe(202);
        }
      }),
      runs(200),
    );
  });

  it('answers a replayed Idempotency-Key with the same body with the first answer, and another body 422', async () => {
    const pair = fc.oneof(
      fc.tuple(fc.constant<Path>('/orders'), validOrder, validOrder),
      fc.tuple(fc.constant<Path>('/users'), validUser, validUser),
    );
    await fc.assert(
      fc.asyncProperty(pair, fc.integer({ min: 1, max: 3 }), async ([path, first, other], replays) => {
        fc.pre(bodyHash(first) !== bodyHash(other));
        const key = randomUUID();
        const replay = (body: unknown, text = JSON.stringify(body)) =>
          call({ path, headers: [json(), ['Idempotency-Key', key]], body: text });

        const original = await replay(first);
        expect(original.response.statusCode).toBe(202);
        expect(original.events).toHaveLength(1);
        for (let i = 0; i < replays; i++) {
          const again = await replay(first, reserialized(first));
          expect(again.response).toEqual(original.response);
          expect(again.events).toEqual([]);
        }
        const conflicting = await replay(other);
        expect(conflicting.response.statusCode).toBe(422);
        expect(conflicting.body.error).toBe('idempotency_key_reused');
      }),
      runs(60),
    );
  });

  it('answers any method on any path, without a body or even headers, with a JSON 4xx and publishes nothing', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'orders',
        'users',
        '',
        '%',
        '%E0%A4%A',
        '%00',
        '..',
        'ord_01ARZ3NDEKTSV4RRFFQ69G5FAV',
        '%F0%9F%98%80',
      ),
      fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map(encodeURIComponent),
    );
    const path = fc
      .tuple(fc.constantFrom('orders', 'users', 'x'), fc.array(segment, { maxLength: 3 }), fc.boolean())
      .map(([first, rest, slash]) => `/${[first, ...rest].join('/')}${slash ? '/' : ''}`);
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'get', 'TRACE');
    await fc.assert(
      fc.asyncProperty(method, path, fc.boolean(), async (httpMethod, rawPath, noHeaders) => {
        const event = proxyEvent({ path: '/orders', headers: [], body: null });
        event.httpMethod = httpMethod;
        event.path = rawPath;
        if (noHeaders) {
          // What a REST proxy event holds for a request without headers.
          event.headers = null as unknown as APIGatewayProxyEvent['headers'];
          event.multiValueHeaders = null as unknown as APIGatewayProxyEvent['multiValueHeaders'];
        }
        const before = publisher.published.length;
        const response = await routeRequest(event, deps, lambdaContext('order-api'));
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
        expect(JSON.parse(response.body)).toEqual({ error: expect.any(String), message: expect.any(String) });
        expect(publisher.published.length).toBe(before);
      }),
      runs(200),
    );
  });

  it('publishes one event for concurrent requests with one Idempotency-Key, and gives them one orderId', async () => {
    await fc.assert(
      fc.asyncProperty(validOrder, fc.integer({ min: 2, max: 5 }), async (order, copies) => {
        const key = randomUUID();
        const request: Request = {
          path: '/orders',
          headers: [json(), ['idempotency-key', key]],
          body: JSON.stringify(order),
        };
        const before = publisher.published.length;
        const responses = await Promise.all(Array.from({ length: copies }, () => send(request)));
        const answers = responses.map((response) => ({ response, body: checked(response) }));
        expect(publisher.published.length - before).toBe(1);
        const accepted = answers.filter((a) => a.response.statusCode === 202);
        expect(accepted.length).toBeGreaterThanOrEqual(1);
        expect(new Set(accepted.map((a) => a.body.orderId)).size).toBe(1);
        for (const a of answers.filter((x) => x.response.statusCode !== 202)) {
          expect(a.response.statusCode).toBe(409);
          expect(a.response.headers?.['Retry-After']).toBe('1');
        }
        // Once settled, the key answers the accepted order again.
        const later = await call(request);
        expect(later.body.orderId).toBe(accepted[0]?.body.orderId);
      }),
      runs(20),
    );
  });

  describe('regressions the properties found', () => {
    const order = {
      customerId: 'c-42',
      items: [{ sku: 'SKU-001', quantity: 1 }],
      paymentMethod: 'tok_visa',
      shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'London', postalCode: 'N1 9GU', country: 'GB' },
      email: 'ada@example.com',
    };
    // JSON.stringify writes a lone surrogate as the escape "\ud800", which JSON.parse reads back as one.
    const withName = (name: string) =>
      JSON.stringify({ ...order, shippingAddress: { ...order.shippingAddress, name } });

    it.each([
      ['a lone high surrogate', 'Ada \ud800'],
      ['a lone low surrogate', '\udfff Ada'],
      ['a high surrogate followed by a letter', 'a\ud83dz'],
    ])('refuses %s in a text field 400 naming the field, and publishes nothing', async (_label, name) => {
      // Act
      const { response, body, events } = await call({ path: '/orders', headers: [json()], body: withName(name) });

      // Assess
      expect(response.statusCode).toBe(400);
      expect(body).toEqual({
        error: 'invalid_request',
        message: '/shippingAddress/name is not well-formed Unicode (it holds a lone surrogate)',
      });
      expect(events).toEqual([]);
    });

    it('refuses a lone surrogate in POST /users too', async () => {
      // Act
      const { response, body } = await call({
        path: '/users',
        headers: [json()],
        body: JSON.stringify({ email: 'ada@example.com', name: '\udc00' }),
      });

      // Assess
      expect(response.statusCode).toBe(400);
      expect(body.message).toBe('/name is not well-formed Unicode (it holds a lone surrogate)');
    });

    it('accepts surrogate pairs (emoji, written raw or escaped) and carries them unchanged', async () => {
      // Act
      const raw = await call({ path: '/orders', headers: [json()], body: withName('Ada 👩‍👩‍👧') });
      const escaped = await call({ path: '/orders', headers: [json()], body: withName('Ada \ud83d\ude00') });

      // Assess
      expect(raw.response.statusCode).toBe(202);
      expect(raw.events).toEqual([
        expect.objectContaining({
          data: expect.objectContaining({ shippingAddress: expect.objectContaining({ name: 'Ada 👩‍👩‍👧' }) }),
        }),
      ]);
      expect(escaped.response.statusCode).toBe(202);
      expect(escaped.events).toEqual([
        expect.objectContaining({
          data: expect.objectContaining({ shippingAddress: expect.objectContaining({ name: 'Ada 😀' }) }),
        }),
      ]);
    });
  });

  describe('through the API Gateway emulator, over HTTP', () => {
    let emulator: ApiGatewayEmulator;
    let url: string;

    beforeAll(async () => {
      emulator = new ApiGatewayEmulator({
        port: 0,
        stage: 'local',
        handler: (event, context) => routeRequest(event, deps, context),
        functionName: 'local-order-api',
        timeoutSeconds: 10,
      });
      ({ url } = await emulator.start());
    });
    afterAll(async () => emulator.stop());

    interface Reply {
      readonly status: number;
      readonly contentType: string | undefined;
      readonly body: Buffer;
    }

    /** Sends the headers exactly as listed (casing, repeats) and the body bytes as they are. */
    function post(path: string, headers: readonly string[], body: Buffer): Promise<Reply> {
      return new Promise((resolve, reject) => {
        const req = httpRequest(new URL(path, url), { method: 'POST', headers: [...headers], agent: false });
        req.on('error', reject);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: res.headers['content-type'],
              body: Buffer.concat(chunks),
            }),
          );
        });
        req.end(body);
      });
    }

    it('never answers 5xx to raw bytes and odd header casing, and answers every refusal in JSON', async () => {
      const bytes = fc.oneof(
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        validOrder.map((o) => Buffer.from(JSON.stringify(o))),
        // A valid order with one byte that is not UTF-8 spliced in.
        fc.tuple(validOrder, fc.constantFrom(0x80, 0xc0, 0xff, 0xed), fc.nat()).map(([o, byte, at]) => {
          const text = Buffer.from(JSON.stringify(o));
          const i = at % text.length;
          return Buffer.concat([text.subarray(0, i), Buffer.from([byte]), text.subarray(i)]);
        }),
        fc
          .tuple(validOrder, fc.integer({ min: 1, max: 20_000 }))
          .map(([o, pad]) => Buffer.from(JSON.stringify(o).padEnd(MAX_BODY_BYTES + pad, '\n'))),
      );
      const headers = fc.record({
        path: fc.constantFrom('/orders', '/local/orders', '/orders/', '/users'),
        contentType: fc.tuple(
          casing('Content-Type'),
          fc.constantFrom('application/json', 'APPLICATION/JSON; charset=utf-8', 'text/plain'),
        ),
        repeatedType: fc.option(fc.tuple(casing('content-type'), fc.constantFrom('application/json', 'text/html')), {
          nil: undefined,
        }),
        key: fc.option(fc.tuple(casing('Idempotency-Key'), fc.stringMatching(/^[\x21-\x7e]{1,40}$/)), {
          nil: undefined,
        }),
      });
      await fc.assert(
        fc.asyncProperty(headers, bytes, async (h, body) => {
          const before = publisher.published.length;
          const list = [
            'Host',
            new URL(url).host,
            ...h.contentType,
            ...(h.repeatedType ?? []),
            ...(h.key ? [h.key[0], `${h.key[1]}-${randomUUID()}`] : []),
          ];
          const reply = await post(h.path, list, body);
          const events = publisher.published.length - before;
          expect(reply.status).toBeLessThan(500);
          expect(reply.contentType).toMatch(/^application\/json/);
          const answer = JSON.parse(reply.body.toString('utf8')) as Json;
          if (reply.status >= 300) {
            expect(events).toBe(0);
            // API Gateway's own refusals carry `message`; the function's carry `error` and `message`.
            expect(answer.message).toEqual(expect.any(String));
          } else {
            expect(reply.status).toBe(202);
            expect(events).toBe(1);
          }
          // Over the function's limit: refused, 413 unless the gateway's model or the media type refused it first.
          if (body.length > MAX_BODY_BYTES) expect([400, 413, 415]).toContain(reply.status);
          expect(publisher.problems.splice(0)).toEqual([]);
        }),
        runs(100),
      );
    });
  });
});
