import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayEventIdentity, APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { OrderViewItem } from '../../lambdas/order/view';
import type { OrderApiDeps } from '../../lambdas/order-api/deps';
import { orderIdForKey } from '../../lambdas/order-api/orders';
import { dynamoRequestIdempotency } from '../../lambdas/order-api/request-idempotency';
import { MAX_BODY_BYTES, routeRequest } from '../../lambdas/order-api/routes';
import { getProducts, SEED_CATALOGUE, seedCatalogue } from '../../lambdas/shared/catalogue';
import type { OrderCreatedV2, UserRegisteredV1 } from '../../lambdas/shared/events/types.generated';
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import type { EventPublisher } from '../../lambdas/shared/kafka/publisher';
import fixture from '../fixtures/apigw-proxy-event.json';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { InMemoryPublisher } from '../support/in-memory-publisher';
import { lambdaContext } from '../support/lambda-context';

// ---------------------------------------------------------------------------------------------
// Requests: the API Gateway proxy fixture, and variations of it.
// ---------------------------------------------------------------------------------------------

/** A fresh copy of the POST /orders proxy event. */
const apiEvent = (): APIGatewayProxyEvent => structuredClone(fixture) as APIGatewayProxyEvent;

/** The fixture's body as an object, to be modified. */
const orderBody = (): Record<string, unknown> & { items: Record<string, unknown>[] } => JSON.parse(fixture.body);

/** The fixture sent as another request. */
function request(method: string, path: string, body: string | null = null): APIGatewayProxyEvent {
  const event = apiEvent();
  event.httpMethod = method;
  event.path = path;
  event.resource = path;
  event.requestContext.httpMethod = method;
  event.requestContext.resourcePath = path;
  event.requestContext.path = `/dev${path}`;
  event.body = body;
  return event;
}

/** POST /orders with this body (the fixture's by default) and extra headers. */
function postOrder(body: unknown = orderBody(), headers: Record<string, string> = {}): APIGatewayProxyEvent {
  const event = request('POST', '/orders', typeof body === 'string' ? body : JSON.stringify(body));
  Object.assign(event.headers, headers);
  return event;
}

/** The same JSON with every object's keys in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reversedKeys(v)]),
    );
  }
  return value;
}

const bodyOf = (response: APIGatewayProxyResult): Record<string, unknown> => JSON.parse(response.body);

/** The fixture's caller: the IAM user ada, signed with a long-term access key. */
const ADA = fixture.requestContext.identity.userArn;

/** The same request signed by someone else: only requestContext.identity changes, as API Gateway fills it. */
function signedBy(event: APIGatewayProxyEvent, identity: Partial<APIGatewayEventIdentity>): APIGatewayProxyEvent {
  Object.assign(event.requestContext.identity, identity);
  return event;
}

/** Another IAM user of the same account. */
const GRACE: Partial<APIGatewayEventIdentity> = {
  userArn: 'arn:aws:iam::123456789012:user/grace',
  caller: 'AIDAEXAMPLEGRACE00001',
  user: 'AIDAEXAMPLEGRACE00001',
  accessKey: 'AKID-EXAMPLE-GRACE',
};

/** A session of the role order-client: temporary credentials, and a session name picked per session. */
const roleSession = (session: string): Partial<APIGatewayEventIdentity> => ({
  userArn: `arn:aws:sts::123456789012:assumed-role/order-client/${session}`,
  caller: `AROAEXAMPLEORDERCLIENT:${session}`,
  user: `AROAEXAMPLEORDERCLIENT:${session}`,
  accessKey: `ASIA-EXAMPLE-${session}`,
});

/** A user of a Cognito identity pool: a session of the pool's role, the same role for every user. */
const cognitoUser = (identityId: string): Partial<APIGatewayEventIdentity> => ({
  ...roleSession('CognitoIdentityCredentials'),
  userArn: 'arn:aws:sts::123456789012:assumed-role/shop-identity-pool-auth/CognitoIdentityCredentials',
  cognitoIdentityPoolId: 'eu-west-1:0b9d2a3c-1e4f-4a5b-8c6d-7e8f9a0b1c2d',
  cognitoIdentityId: `eu-west-1:${identityId}`,
  cognitoAuthenticationType: 'authenticated',
});

/** What API Gateway would never send behind AWS_IAM: a request that names no caller. */
const NOBODY: Partial<APIGatewayEventIdentity> = {
  userArn: null,
  caller: null,
  user: null,
  accessKey: null,
  accountId: null,
  cognitoIdentityId: null,
};

const REQUEST_ID = fixture.requestContext.requestId;
const priceOf = (sku: string): number => {
  const product = SEED_CATALOGUE.find((p) => p.sku === sku);
  if (!product) throw new Error(`${sku} is not in the seed catalogue`);
  return product.priceCents;
};

// ---------------------------------------------------------------------------------------------

interface LogEntry {
  readonly level: 'info' | 'error';
  readonly message: string;
  readonly fields: Record<string, unknown> | undefined;
}

describe('Function: routeRequest (order API over dynalite)', () => {
  let dynamo: TestDynamo;
  let keys = 0;

  beforeAll(async () => {
    dynamo = await startDynamo();
    await seedCatalogue(dynamo.items, dynamo.tableName('inventory'));
  });
  afterAll(async () => dynamo.stop());

  /** An Idempotency-Key no other test uses (all tests share the idempotency table). */
  const newKey = (): string => `key-${++keys}-${Date.now()}`;

  /** Real-but-local dependencies: dynalite tables, an in-memory publisher, counting id generators. */
  function harness(options: { publisher?: EventPublisher } = {}) {
    const publisher = new InMemoryPublisher();
    const entries: LogEntry[] = [];
    const counters = { order: 0, user: 0, correlation: 0 };
    const deps: OrderApiDeps = {
      publisher: options.publisher ?? publisher,
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
      newOrderId: () => `ord_TEST${String(++counters.order).padStart(10, '0')}`,
      newUserId: () => `usr_TEST${String(++counters.user).padStart(10, '0')}`,
      newCorrelationId: () => `corr-test-${++counters.correlation}`,
      logger: {
        info: (message, fields) => entries.push({ level: 'info', message, fields }),
        error: (message, fields) => entries.push({ level: 'error', message, fields }),
      },
    };
    return { deps, publisher, entries };
  }

  /** The data of the one OrderCreated published, failing if there is not exactly one event. */
  function onlyOrderCreated(publisher: InMemoryPublisher): CloudEvent<OrderCreatedV2> {
    expect(publisher.published).toHaveLength(1);
    expect(publisher.ofType('OrderCreated')).toHaveLength(1);
    return publisher.published[0] as CloudEvent<OrderCreatedV2>;
  }

  describe('POST /orders, a valid order', () => {
    it('answers 202 with the order id, status PENDING and a Location header', async () => {
      // Prepare
      const { deps } = harness();

      // Act
      const response = await routeRequest(postOrder(), deps);

      // Assess
      expect(response.statusCode).toBe(202);
      expect(response.headers).toEqual({ 'content-type': 'application/json', Location: '/orders/ord_TEST0000000001' });
      expect(bodyOf(response)).toEqual({
        orderId: 'ord_TEST0000000001',
        status: 'PENDING',
        correlationId: REQUEST_ID,
        links: { self: '/orders/ord_TEST0000000001' },
      });
    });

    it('publishes exactly one OrderCreated priced from the catalogue, never from the client', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      await routeRequest(postOrder(), deps);

      // Assess
      const event = onlyOrderCreated(publisher);
      expect(priceOf('SKU-001')).toBe(999);
      expect(event.data).toEqual({
        orderId: 'ord_TEST0000000001',
        customerId: 'c-42',
        items: [{ sku: 'SKU-001', quantity: 2, unitPriceCents: priceOf('SKU-001') }],
        totalCents: 2 * priceOf('SKU-001'),
        currency: 'GBP',
        paymentMethod: 'tok_visa',
        shippingAddress: {
          name: 'Ada Lovelace',
          line1: '1 Main St',
          city: 'London',
          postalCode: 'N1 9GU',
          country: 'GB',
        },
        email: 'ada@example.com',
      });
    });

    it('totals several lines from their catalogue prices', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const body = orderBody();
      body.items = [
        { sku: 'SKU-001', quantity: 2 },
        { sku: 'SKU-003', quantity: 1 },
        { sku: 'SKU-010', quantity: 3 },
      ];

      // Act
      const response = await routeRequest(postOrder(body), deps);

      // Assess
      expect(response.statusCode).toBe(202);
      const { data } = onlyOrderCreated(publisher);
      expect(data.items.map((i) => [i.sku, i.quantity, i.unitPriceCents])).toEqual([
        ['SKU-001', 2, priceOf('SKU-001')],
        ['SKU-003', 1, priceOf('SKU-003')],
        ['SKU-010', 3, priceOf('SKU-010')],
      ]);
      expect(data.totalCents).toBe(2 * priceOf('SKU-001') + priceOf('SKU-003') + 3 * priceOf('SKU-010'));
      expect(data.totalCents).toBe(1998 + 1999 + 3 * 5499);
    });

    it('carries the optional address line and gift message into the event', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const body = orderBody();
      body.shippingAddress = { ...(body.shippingAddress as object), line2: 'Flat 2' };
      body.giftMessage = 'Happy birthday, Charles!';

      // Act
      await routeRequest(postOrder(body), deps);

      // Assess
      const { data } = onlyOrderCreated(publisher);
      expect(data.shippingAddress.line2).toBe('Flat 2');
      expect(data.giftMessage).toBe('Happy birthday, Charles!');
    });

    it('stamps the envelope: subject = orderId, correlationid = the API Gateway request id', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      await routeRequest(postOrder(), deps);

      // Assess
      expect(onlyOrderCreated(publisher)).toMatchObject({
        specversion: '1.0',
        type: 'orderpipeline.OrderCreated',
        source: '/order-pipeline/order-api',
        subject: 'ord_TEST0000000001',
        dataschema: 'https://schemas.orderpipeline.dev/events/OrderCreated/v2.json',
        correlationid: REQUEST_ID,
      });
    });

    it('takes the correlation id from an X-Correlation-Id header when one is given', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const response = await routeRequest(postOrder(orderBody(), { 'X-Correlation-Id': 'checkout-7f3a' }), deps);

      // Assess
      expect(onlyOrderCreated(publisher).correlationid).toBe('checkout-7f3a');
      expect(bodyOf(response).correlationId).toBe('checkout-7f3a');
    });

    it('ignores an X-Correlation-Id that is not printable ASCII, and uses the request id', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      await routeRequest(postOrder(orderBody(), { 'x-correlation-id': 'has spaces in it' }), deps);

      // Assess
      expect(onlyOrderCreated(publisher).correlationid).toBe(REQUEST_ID);
    });

    it('starts a new correlation id when there is neither header nor request id', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const event = postOrder();
      event.requestContext.requestId = '';

      // Act
      await routeRequest(event, deps);

      // Assess
      expect(onlyOrderCreated(publisher).correlationid).toBe('corr-test-1');
    });

    it('logs the accepted order', async () => {
      // Prepare
      const { deps, entries } = harness();

      // Act
      await routeRequest(postOrder(), deps);

      // Assess
      expect(entries).toEqual([
        {
          level: 'info',
          message: 'order accepted',
          fields: { orderId: 'ord_TEST0000000001', correlationId: REQUEST_ID, totalCents: 1998 },
        },
      ]);
    });
  });

  describe('POST /orders, refused before anything is published', () => {
    it.each([
      ['a unit price on a line', { sku: 'SKU-001', quantity: 2, unitPriceCents: 1 }],
      ['a price on a line', { sku: 'SKU-001', quantity: 2, price: 1 }],
    ])('answers %s 400 invalid_request, because prices come from the catalogue', async (_label, line) => {
      // Prepare
      const { deps, publisher } = harness();
      const body = orderBody();
      body.items = [line];

      // Act
      const response = await routeRequest(postOrder(body), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({
        error: 'invalid_request',
        message: '/items/0 must NOT have additional properties',
      });
      expect(publisher.published).toEqual([]);
    });

    it('answers a client-set total 400 invalid_request', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const response = await routeRequest(postOrder({ ...orderBody(), totalCents: 1 }), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).message).toBe('/ must NOT have additional properties');
      expect(publisher.published).toEqual([]);
    });

    it('answers an unknown SKU 400, naming /items/0/sku', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const body = orderBody();
      body.items = [{ sku: 'SKU-999', quantity: 1 }];

      // Act
      const response = await routeRequest(postOrder(body), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({
        error: 'invalid_request',
        message: '/items/0/sku "SKU-999" is not in the catalogue',
      });
      expect(publisher.published).toEqual([]);
    });

    it('names the first unknown line when known and unknown SKUs are mixed', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const body = orderBody();
      body.items = [
        { sku: 'SKU-001', quantity: 1 },
        { sku: 'SKU-NOPE', quantity: 1 },
      ];

      // Act
      const response = await routeRequest(postOrder(body), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).message).toMatch(/^\/items\/1\/sku "SKU-NOPE"/);
      expect(publisher.published).toEqual([]);
    });

    it('answers an order mixing currencies 400', async () => {
      // Prepare
      const { deps, publisher } = harness();
      await seedCatalogue(dynamo.items, dynamo.tableName('inventory'), [
        { sku: 'SKU-USD1', name: 'Priced in dollars', priceCents: 1_250, currency: 'USD', available: 10 },
      ]);
      const body = orderBody();
      body.items = [
        { sku: 'SKU-001', quantity: 1 },
        { sku: 'SKU-USD1', quantity: 1 },
      ];

      // Act
      const response = await routeRequest(postOrder(body), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).message).toBe('/items mixes products priced in different currencies');
      expect(publisher.published).toEqual([]);
    });

    it('answers a body that is not JSON 400 malformed_json', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const response = await routeRequest(postOrder('{"customerId":"c-42","items":['), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).error).toBe('malformed_json');
      expect(publisher.published).toEqual([]);
    });

    it('answers a request without a body 400 malformed_json', async () => {
      // Prepare
      const { deps } = harness();
      const event = apiEvent();
      event.body = null;

      // Act
      const response = await routeRequest(event, deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).error).toBe('malformed_json');
    });

    it('answers a quantity of 0 400 invalid_request, naming the field', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const body = orderBody();
      body.items = [{ sku: 'SKU-001', quantity: 0 }];

      // Act
      const response = await routeRequest(postOrder(body), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({ error: 'invalid_request', message: '/items/0/quantity must be >= 1' });
      expect(publisher.published).toEqual([]);
    });

    it('answers a missing required field 400, naming it', async () => {
      // Prepare
      const { deps } = harness();
      const { email: _dropped, ...body } = orderBody();

      // Act
      const response = await routeRequest(postOrder(body), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).message).toBe("/ must have required property 'email'");
    });

    it('answers a JSON body that is not an object 400 invalid_request', async () => {
      // Prepare
      const { deps } = harness();

      // Act
      const response = await routeRequest(postOrder('[]'), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({ error: 'invalid_request', message: '/ must be object' });
    });

    it('refuses an email address the event schema would refuse, a format API Gateway does not check', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const response = await routeRequest(postOrder({ ...orderBody(), email: 'not-an-email' }), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).message).toMatch(/\/email must match format "email"/);
      expect(publisher.published).toEqual([]);
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp'])(
      'answers a body sent as %s 415',
      async (contentType) => {
        // Prepare
        const { deps, publisher } = harness();
        const event = apiEvent();
        event.headers['Content-Type'] = contentType;

        // Act
        const response = await routeRequest(event, deps);

        // Assess
        expect(response.statusCode).toBe(415);
        expect(bodyOf(response).error).toBe('unsupported_media_type');
        expect(publisher.published).toEqual([]);
      },
    );

    it('answers a request without a content type 415', async () => {
      // Prepare
      const { deps } = harness();
      const event = apiEvent();
      delete event.headers['Content-Type'];

      // Act
      const response = await routeRequest(event, deps);

      // Assess
      expect(response.statusCode).toBe(415);
    });

    it('answers a body over 64 KiB 413, before parsing it', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const response = await routeRequest(postOrder(`{"pad":"${'x'.repeat(MAX_BODY_BYTES)}"}`), deps);

      // Assess
      expect(MAX_BODY_BYTES).toBe(65_536);
      expect(response.statusCode).toBe(413);
      expect(bodyOf(response).error).toBe('payload_too_large');
      expect(publisher.published).toEqual([]);
    });

    it('counts the limit in bytes, not characters', async () => {
      // Prepare
      const { deps } = harness();
      const body = orderBody();
      const overhead = Buffer.byteLength(JSON.stringify({ ...body, giftMessage: '' }));
      // 'é' is two bytes in UTF-8: the body is under the limit in characters, over it in bytes.
      body.giftMessage = 'é'.repeat(Math.ceil((MAX_BODY_BYTES - overhead) / 2) + 1);
      const event = postOrder(body);

      // Act
      const response = await routeRequest(event, deps);

      // Assess
      expect(event.body?.length).toBeLessThanOrEqual(MAX_BODY_BYTES);
      expect(response.statusCode).toBe(413);
    });

    it('decodes a base64-encoded body before validating it', async () => {
      // Prepare
      const { deps } = harness();
      const body = orderBody();
      body.items = [{ sku: 'SKU-001', quantity: 0 }];
      const event = postOrder();
      event.isBase64Encoded = true;
      event.body = Buffer.from(JSON.stringify(body), 'utf8').toString('base64');

      // Act
      const response = await routeRequest(event, deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).message).toBe('/items/0/quantity must be >= 1');
    });
  });

  describe('POST /orders, accepted forms of a request', () => {
    it.each([
      ['a charset parameter', 'content-type', 'application/json; charset=utf-8'],
      ['a lower-case header name', 'content-type', 'application/json'],
      ['an upper-case media type', 'CONTENT-TYPE', 'Application/JSON'],
    ])('accepts a JSON content type with %s', async (_label, name, value) => {
      // Prepare
      const { deps, publisher } = harness();
      const event = apiEvent();
      delete event.headers['Content-Type'];
      event.headers[name] = value;

      // Act
      const response = await routeRequest(event, deps);

      // Assess
      expect(response.statusCode).toBe(202);
      expect(publisher.published).toHaveLength(1);
    });

    it('accepts a body of exactly 64 KiB as far as size goes', async () => {
      // Prepare
      const { deps } = harness();
      const event = postOrder(fixture.body + ' '.repeat(MAX_BODY_BYTES - Buffer.byteLength(fixture.body)));

      // Act
      const response = await routeRequest(event, deps);

      // Assess
      expect(Buffer.byteLength(event.body ?? '')).toBe(MAX_BODY_BYTES);
      expect(response.statusCode).toBe(202);
    });

    it('treats a base64-encoded valid body like the plain one', async () => {
      // Prepare
      const plain = harness();
      const encoded = harness();
      const encodedEvent = apiEvent();
      encodedEvent.isBase64Encoded = true;
      encodedEvent.body = Buffer.from(fixture.body, 'utf8').toString('base64');

      // Act
      const fromPlain = await routeRequest(apiEvent(), plain.deps);
      const fromEncoded = await routeRequest(encodedEvent, encoded.deps);

      // Assess
      expect(fromEncoded).toEqual(fromPlain);
      expect(fromEncoded.statusCode).toBe(202);
      expect(onlyOrderCreated(encoded.publisher).data).toEqual(onlyOrderCreated(plain.publisher).data);
    });

    it('tolerates a trailing slash', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const response = await routeRequest(request('POST', '/orders/', fixture.body), deps);

      // Assess
      expect(response.statusCode).toBe(202);
      expect(publisher.published).toHaveLength(1);
    });
  });

  describe('POST /orders with an Idempotency-Key', () => {
    it('answers the same key and body with the first response again, publishing one event', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const key = newKey();

      // Act
      const first = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());
      const second = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());

      // Assess
      expect(first.statusCode).toBe(202);
      expect(second).toEqual(first);
      expect(bodyOf(second).orderId).toBe(orderIdForKey(ADA, key));
      expect(publisher.published).toHaveLength(1);
    });

    it('names the same order, with the same event id, when a first attempt was published but never answered', async () => {
      // Prepare: two handlers that each lost track of the other (a timed-out first attempt whose
      // publish landed, then a retry once its in-progress record expired).
      const first = harness();
      const second = harness();
      const forgotten: OrderApiDeps = {
        ...second.deps,
        requestIdempotency: {
          run: async (_scope, _body, respond) => ({ kind: 'response', response: await respond() }),
        },
      };
      const key = newKey();

      // Act
      const a = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), first.deps, lambdaContext());
      const b = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), forgotten, lambdaContext());

      // Assess: one order; the second OrderCreated is a duplicate consumers drop by its id.
      expect(bodyOf(a).orderId).toBe(bodyOf(b).orderId);
      expect(onlyOrderCreated(first.publisher).id).toBe(onlyOrderCreated(second.publisher).id);
      expect(bodyOf(a).orderId).toMatch(/^ord_[0-9A-Z]{26}$/);
    });

    it('recognises the same body with its keys in another order and other whitespace', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const key = newKey();
      const rewritten = JSON.stringify(reversedKeys(orderBody()), null, 2);

      // Act
      const first = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());
      const second = await routeRequest(postOrder(rewritten, { 'idempotency-key': key }), deps, lambdaContext());

      // Assess
      expect(rewritten).not.toBe(fixture.body);
      expect(second.statusCode).toBe(202);
      expect(bodyOf(second)).toEqual(bodyOf(first));
      expect(publisher.published).toHaveLength(1);
    });

    it('answers the same key with another body 422, publishing nothing more', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const key = newKey();
      const other = orderBody();
      other.items = [{ sku: 'SKU-002', quantity: 1 }];
      await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());

      // Act
      const response = await routeRequest(postOrder(other, { 'Idempotency-Key': key }), deps, lambdaContext());

      // Assess
      expect(response.statusCode).toBe(422);
      expect(bodyOf(response).error).toBe('idempotency_key_reused');
      expect(publisher.published).toHaveLength(1);
      expect(onlyOrderCreated(publisher).data.items[0]?.sku).toBe('SKU-001');
    });

    it('publishes a new order for a new key with the same body', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const first = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': newKey() }), deps, lambdaContext());
      const second = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': newKey() }), deps, lambdaContext());

      // Assess
      expect(bodyOf(first).orderId).not.toBe(bodyOf(second).orderId);
      expect(publisher.published).toHaveLength(2);
    });

    it.each([
      ['a space', 'has a space'],
      ['a non-ASCII character', 'clé-1'],
      ['129 characters', 'k'.repeat(129)],
      ['nothing', ''],
    ])('answers a key with %s 400, publishing nothing', async (_label, key) => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const response = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({
        error: 'invalid_request',
        message: 'Idempotency-Key must be 1 to 128 printable ASCII characters',
      });
      expect(publisher.published).toEqual([]);
    });

    it('answers 409 with Retry-After while the first request with the key is still in flight', async () => {
      // Prepare: a publisher that holds the first publish until released.
      const inner = new InMemoryPublisher();
      let entered!: () => void;
      let release!: () => void;
      const publishing = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const { deps } = harness({
        publisher: {
          async publish(events) {
            entered();
            await released;
            await inner.publish(events);
          },
        },
      });
      const key = newKey();
      const first = routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());
      await publishing;

      // Act
      const concurrent = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());
      release();

      // Assess
      expect(concurrent.statusCode).toBe(409);
      expect(concurrent.headers?.['Retry-After']).toBe('1');
      expect(bodyOf(concurrent).error).toBe('request_in_progress');
      expect((await first).statusCode).toBe(202);
      expect(inner.published).toHaveLength(1);
    });

    it('does not remember a refused request: the same key with a corrected body succeeds', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const key = newKey();
      const unknownSku = orderBody();
      unknownSku.items = [{ sku: 'SKU-999', quantity: 1 }];
      const refused = await routeRequest(postOrder(unknownSku, { 'Idempotency-Key': key }), deps, lambdaContext());

      // Act
      const response = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());

      // Assess
      expect(refused.statusCode).toBe(400);
      expect(response.statusCode).toBe(202);
      expect(publisher.published).toHaveLength(1);
    });

    it('keeps POST /orders and POST /users apart under the same key', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const key = newKey();
      const user = request('POST', '/users', JSON.stringify({ email: 'grace@example.com', name: 'Grace Hopper' }));
      user.headers['Idempotency-Key'] = key;

      // Act
      const order = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());
      const registered = await routeRequest(user, deps, lambdaContext());

      // Assess
      expect([order.statusCode, registered.statusCode]).toEqual([202, 202]);
      expect(publisher.published.map((e) => e.type)).toEqual([
        'orderpipeline.OrderCreated',
        'orderpipeline.UserRegistered',
      ]);
    });
  });

  describe('POST /orders with an Idempotency-Key, scoped to the caller (requestContext.identity)', () => {
    it('gives two callers who send the same key two orders and publishes two OrderCreated', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const key = newKey();

      // Act
      const ada = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());
      const grace = await routeRequest(
        signedBy(postOrder(orderBody(), { 'Idempotency-Key': key }), GRACE),
        deps,
        lambdaContext(),
      );

      // Assess
      expect([ada.statusCode, grace.statusCode]).toEqual([202, 202]);
      expect(bodyOf(ada).orderId).toBe(orderIdForKey(ADA, key));
      expect(bodyOf(grace).orderId).toBe(orderIdForKey(GRACE.userArn as string, key));
      expect(bodyOf(ada).orderId).not.toBe(bodyOf(grace).orderId);
      const events = publisher.ofType('OrderCreated') as CloudEvent<OrderCreatedV2>[];
      expect(events.map((e) => e.data.orderId)).toEqual([bodyOf(ada).orderId, bodyOf(grace).orderId]);
      expect(new Set(events.map((e) => e.id)).size).toBe(2);
    });

    it("answers each caller's retry with that caller's own first answer", async () => {
      // Prepare
      const { deps, publisher } = harness();
      const key = newKey();
      const ada = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());
      const grace = await routeRequest(
        signedBy(postOrder(orderBody(), { 'Idempotency-Key': key }), GRACE),
        deps,
        lambdaContext(),
      );

      // Act
      const adaAgain = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());
      const graceAgain = await routeRequest(
        signedBy(postOrder(orderBody(), { 'Idempotency-Key': key }), GRACE),
        deps,
        lambdaContext(),
      );

      // Assess
      expect(adaAgain).toEqual(ada);
      expect(graceAgain).toEqual(grace);
      expect(publisher.published).toHaveLength(2);
    });

    it("lets another caller use a key with another body: no 422 for someone else's key", async () => {
      // Prepare
      const { deps, publisher } = harness();
      const key = newKey();
      const other = orderBody();
      other.items = [{ sku: 'SKU-002', quantity: 1 }];
      await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());

      // Act
      const grace = await routeRequest(
        signedBy(postOrder(other, { 'Idempotency-Key': key }), GRACE),
        deps,
        lambdaContext(),
      );
      const adaConflict = await routeRequest(postOrder(other, { 'Idempotency-Key': key }), deps, lambdaContext());

      // Assess: the same caller, the same key, another body is still 422.
      expect(grace.statusCode).toBe(202);
      expect(adaConflict.statusCode).toBe(422);
      expect(bodyOf(adaConflict).error).toBe('idempotency_key_reused');
      const created = publisher.ofType('OrderCreated') as CloudEvent<OrderCreatedV2>[];
      expect(created.map((e) => e.data.items[0]?.sku)).toEqual(['SKU-001', 'SKU-002']);
    });

    it("keeps one order when a role's retry comes from a new session, with other credentials", async () => {
      // Prepare: the first answer was lost; the client retries after its credentials were refreshed.
      const { deps, publisher } = harness();
      const key = newKey();
      const first = await routeRequest(
        signedBy(postOrder(orderBody(), { 'Idempotency-Key': key }), roleSession('botocore-session-1736935200')),
        deps,
        lambdaContext(),
      );

      // Act
      const retried = await routeRequest(
        signedBy(postOrder(orderBody(), { 'Idempotency-Key': key }), roleSession('botocore-session-1736938800')),
        deps,
        lambdaContext(),
      );

      // Assess
      expect(first.statusCode).toBe(202);
      expect(retried).toEqual(first);
      expect(bodyOf(first).orderId).toBe(orderIdForKey('arn:aws:sts::123456789012:assumed-role/order-client', key));
      expect(publisher.published).toHaveLength(1);
    });

    it('names the same order after a lost answer from a new role session, with the same event id', async () => {
      // Prepare: as above, but the idempotency record is gone too (the first attempt's handler
      // was abandoned before it stored it), so only the derived ids can make the two one order.
      const first = harness();
      const second = harness();
      const forgotten: OrderApiDeps = {
        ...second.deps,
        requestIdempotency: {
          run: async (_scope, _body, respond) => ({ kind: 'response', response: await respond() }),
        },
      };
      const key = newKey();

      // Act
      const a = await routeRequest(
        signedBy(postOrder(orderBody(), { 'Idempotency-Key': key }), roleSession('session-a')),
        first.deps,
        lambdaContext(),
      );
      const b = await routeRequest(
        signedBy(postOrder(orderBody(), { 'Idempotency-Key': key }), roleSession('session-b')),
        forgotten,
        lambdaContext(),
      );

      // Assess
      expect(bodyOf(a).orderId).toBe(bodyOf(b).orderId);
      expect(onlyOrderCreated(first.publisher).id).toBe(onlyOrderCreated(second.publisher).id);
    });

    it('tells apart two users of one Cognito identity pool, who sign as sessions of the same role', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const key = newKey();

      // Act
      const one = await routeRequest(
        signedBy(
          postOrder(orderBody(), { 'Idempotency-Key': key }),
          cognitoUser('1f2e3d4c-0000-4000-8000-000000000001'),
        ),
        deps,
        lambdaContext(),
      );
      const two = await routeRequest(
        signedBy(
          postOrder(orderBody(), { 'Idempotency-Key': key }),
          cognitoUser('1f2e3d4c-0000-4000-8000-000000000002'),
        ),
        deps,
        lambdaContext(),
      );
      const oneAgain = await routeRequest(
        signedBy(
          postOrder(orderBody(), { 'Idempotency-Key': key }),
          cognitoUser('1f2e3d4c-0000-4000-8000-000000000001'),
        ),
        deps,
        lambdaContext(),
      );

      // Assess
      expect([one.statusCode, two.statusCode]).toEqual([202, 202]);
      expect(bodyOf(one).orderId).not.toBe(bodyOf(two).orderId);
      expect(oneAgain).toEqual(one);
      expect(publisher.published).toHaveLength(2);
    });

    it('refuses a keyed request that names no caller 500 caller_unknown, publishes nothing and logs the fix', async () => {
      // Prepare
      const { deps, publisher, entries } = harness();

      // Act
      const response = await routeRequest(
        signedBy(postOrder(orderBody(), { 'Idempotency-Key': newKey() }), NOBODY),
        deps,
        lambdaContext(),
      );

      // Assess
      expect(response.statusCode).toBe(500);
      expect(bodyOf(response)).toEqual({
        error: 'caller_unknown',
        message: expect.stringContaining('without a caller identity'),
      });
      expect(publisher.published).toEqual([]);
      expect(entries).toEqual([
        {
          level: 'error',
          message: 'no caller identity',
          fields: {
            reason: 'requestContext.identity has neither userArn nor cognitoIdentityId',
            fix: expect.stringContaining('AWS_IAM'),
          },
        },
      ]);
    });

    it('takes a request without a key and without a caller: it needs no scope', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const response = await routeRequest(signedBy(postOrder(), NOBODY), deps, lambdaContext());

      // Assess
      expect(response.statusCode).toBe(202);
      expect(onlyOrderCreated(publisher).data.orderId).toBe(bodyOf(response).orderId);
    });
  });

  describe('POST /orders while Kafka is unreachable', () => {
    it('answers 503 with Retry-After, publishes nothing and logs why', async () => {
      // Prepare
      const { deps, publisher, entries } = harness();
      publisher.failing = true;

      // Act
      const response = await routeRequest(postOrder(), deps);

      // Assess
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['Retry-After']).toBe('5');
      expect(bodyOf(response).error).toBe('unavailable');
      expect(publisher.published).toEqual([]);
      expect(entries).toEqual([
        { level: 'error', message: 'publish failed', fields: { reason: 'Kafka is unreachable (test)' } },
      ]);
    });

    it('lets a retry with the same Idempotency-Key succeed once Kafka is back, publishing once', async () => {
      // Prepare
      const { deps, publisher } = harness();
      const key = newKey();
      publisher.failing = true;
      const failed = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());
      publisher.failing = false;

      // Act
      const retried = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());
      const replayed = await routeRequest(postOrder(orderBody(), { 'Idempotency-Key': key }), deps, lambdaContext());

      // Assess
      expect(failed.statusCode).toBe(503);
      expect(retried.statusCode).toBe(202);
      expect(replayed).toEqual(retried);
      const event = onlyOrderCreated(publisher);
      expect(event.data.orderId).toBe(bodyOf(retried).orderId);
    });
  });

  describe('GET /orders/{orderId}', () => {
    it.each(['ord_x', 'order-1', 'ord_01JH3Q8Z5K!M9N2P4R6T8V0WXY'])('answers the malformed id %s 400', async (id) => {
      // Prepare
      const { deps } = harness();

      // Act
      const response = await routeRequest(request('GET', `/orders/${encodeURIComponent(id)}`), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({
        error: 'invalid_request',
        message: `"${id}" is not an order id (ord_ followed by 10 to 40 letters or digits)`,
      });
    });

    it('answers an id not in the view yet 404 with Retry-After', async () => {
      // Prepare
      const { deps } = harness();

      // Act
      const response = await routeRequest(request('GET', '/orders/ord_01JH3Q8Z5K7M9N2P4R6T8V0NOT'), deps);

      // Assess
      expect(response.statusCode).toBe(404);
      expect(response.headers?.['Retry-After']).toBe('1');
      expect(bodyOf(response).error).toBe('not_found');
    });

    it('answers GET /orders/{id}/ with a trailing slash like without', async () => {
      // Prepare
      const { deps } = harness();

      // Act
      const response = await routeRequest(request('GET', '/orders/ord_01JH3Q8Z5K7M9N2P4R6T8V0NOT/'), deps);

      // Assess
      expect(response.statusCode).toBe(404);
      expect(response.headers?.['Retry-After']).toBe('1');
    });

    /** An order the order service has confirmed, as it stores it (layout in lambdas/order/view.ts). */
    const confirmedOrder = (orderId: string): OrderViewItem => ({
      orderId,
      version: 3,
      status: 'CONFIRMED',
      correlationId: 'checkout-7f3a',
      details: {
        customerId: 'c-42',
        email: 'ada@example.com',
        items: [{ sku: 'SKU-001', quantity: 2, unitPriceCents: 999 }],
        totalCents: 1998,
        currency: 'GBP',
        shippingAddress: {
          name: 'Ada Lovelace',
          line1: '1 Main St',
          city: 'London',
          postalCode: 'N1 9GU',
          country: 'GB',
        },
        createdAt: '2025-01-15T10:00:00.000Z',
      },
      payment: { status: 'COMPLETED', paymentId: 'pay_01JH3Q9A', amountCents: 1998, currency: 'GBP' },
      inventory: { status: 'RESERVED', reservationId: 'res_01JH3Q9B' },
      decision: {
        event: 'OrderConfirmed',
        eventId: 'a1b2c3d4-0000-8000-8000-000000000004',
        decidedAt: '2025-01-15T10:00:02.000Z',
        decidedBy: 'a1b2c3d4-0000-4000-8000-000000000002',
      },
      // As applied: the inventory service answered before the payment service, whose event decided
      // (the deciding write records the decision too).
      history: [
        { type: 'OrderCreated', eventId: 'a1b2c3d4-0000-4000-8000-000000000001', time: '2025-01-15T10:00:00.000Z' },
        {
          type: 'InventoryReserved',
          eventId: 'a1b2c3d4-0000-4000-8000-000000000003',
          time: '2025-01-15T10:00:01.500Z',
        },
        { type: 'PaymentCompleted', eventId: 'a1b2c3d4-0000-4000-8000-000000000002', time: '2025-01-15T10:00:01.000Z' },
        { type: 'OrderConfirmed', eventId: 'a1b2c3d4-0000-8000-8000-000000000004', time: '2025-01-15T10:00:02.000Z' },
      ],
      updatedAt: '2025-01-15T10:00:02.100Z',
    });

    const putOrder = (item: Record<string, unknown>) =>
      dynamo.documents.send(new PutCommand({ TableName: dynamo.tableName('orders'), Item: item }));

    it('answers an order in the view 200 with its public view, history in time order', async () => {
      // Prepare
      const { deps } = harness();
      const orderId = 'ord_01JH3Q8Z5K7M9N2P4R6T8VIEW1';
      await putOrder(confirmedOrder(orderId));

      // Act
      const response = await routeRequest(request('GET', `/orders/${orderId}`), deps);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.headers).toEqual({ 'content-type': 'application/json' });
      expect(bodyOf(response)).toEqual({
        orderId,
        status: 'CONFIRMED',
        customerId: 'c-42',
        items: [{ sku: 'SKU-001', quantity: 2, unitPriceCents: 999 }],
        totalCents: 1998,
        currency: 'GBP',
        createdAt: '2025-01-15T10:00:00.000Z',
        updatedAt: '2025-01-15T10:00:02.100Z',
        history: [
          { type: 'OrderCreated', eventId: 'a1b2c3d4-0000-4000-8000-000000000001', time: '2025-01-15T10:00:00.000Z' },
          {
            type: 'PaymentCompleted',
            eventId: 'a1b2c3d4-0000-4000-8000-000000000002',
            time: '2025-01-15T10:00:01.000Z',
          },
          {
            type: 'InventoryReserved',
            eventId: 'a1b2c3d4-0000-4000-8000-000000000003',
            time: '2025-01-15T10:00:01.500Z',
          },
          { type: 'OrderConfirmed', eventId: 'a1b2c3d4-0000-8000-8000-000000000004', time: '2025-01-15T10:00:02.000Z' },
        ],
      });
    });

    it('answers an order stored by the code that recorded publishedEvents like any other', async () => {
      // Prepare
      const { deps } = harness();
      const [oldId, newId] = ['ord_01JH3Q8Z5K7M9N2P4R6T8VIEW4', 'ord_01JH3Q8Z5K7M9N2P4R6T8VIEW5'];
      await putOrder({ ...confirmedOrder(oldId), publishedEvents: ['OrderConfirmed'] });
      await putOrder(confirmedOrder(newId));

      // Act
      const old = await routeRequest(request('GET', `/orders/${oldId}`), deps);
      const current = await routeRequest(request('GET', `/orders/${newId}`), deps);

      // Assess
      expect(old.statusCode).toBe(200);
      expect(bodyOf(old)).toEqual({ ...bodyOf(current), orderId: oldId });
    });

    it('shows the reason of a cancelled order, and never the email, address or payment internals', async () => {
      // Prepare
      const { deps } = harness();
      const orderId = 'ord_01JH3Q8Z5K7M9N2P4R6T8VIEW2';
      const { inventory: _reserved, ...confirmed } = confirmedOrder(orderId);
      await putOrder({
        ...confirmed,
        status: 'CANCELLED',
        payment: { status: 'FAILED', reason: 'card_declined', amountCents: 1998, currency: 'GBP' },
        cancelReason: 'payment_failed',
        cancelDetail: 'The card was declined.',
      });

      // Act
      const response = await routeRequest(request('GET', `/orders/${orderId}/`), deps);

      // Assess
      expect(response.statusCode).toBe(200);
      const view = bodyOf(response);
      expect(view).toMatchObject({
        orderId,
        status: 'CANCELLED',
        cancelReason: 'payment_failed',
        cancelDetail: 'The card was declined.',
      });
      for (const hidden of ['email', 'shippingAddress', 'details', 'payment', 'correlationId', 'version']) {
        expect(view).not.toHaveProperty(hidden);
      }
    });

    it('answers an order whose facts overtook its OrderCreated 404, like an unknown one', async () => {
      // Prepare: a PaymentCompleted was applied before the order service consumed OrderCreated.
      const { deps } = harness();
      const orderId = 'ord_01JH3Q8Z5K7M9N2P4R6T8VIEW3';
      const { details: _notYet, ...factsOnly } = confirmedOrder(orderId);
      await putOrder({
        ...factsOnly,
        status: 'PENDING',
        decision: undefined,
        history: factsOnly.history.filter((h) => h.type !== 'OrderConfirmed'),
      });

      // Act
      const response = await routeRequest(request('GET', `/orders/${orderId}`), deps);

      // Assess
      expect(response.statusCode).toBe(404);
      expect(response.headers?.['Retry-After']).toBe('1');
    });
  });

  describe('POST /users', () => {
    const userBody = { email: 'grace@example.com', name: 'Grace Hopper' };

    it('answers a valid registration 202 with the user id and publishes one UserRegistered', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const response = await routeRequest(request('POST', '/users', JSON.stringify(userBody)), deps);

      // Assess
      expect(response.statusCode).toBe(202);
      expect(bodyOf(response)).toEqual({ userId: 'usr_TEST0000000001', correlationId: REQUEST_ID });
      expect(publisher.published).toHaveLength(1);
      expect(publisher.published[0] as CloudEvent<UserRegisteredV1>).toMatchObject({
        type: 'orderpipeline.UserRegistered',
        subject: 'usr_TEST0000000001',
        correlationid: REQUEST_ID,
        data: { userId: 'usr_TEST0000000001', email: 'grace@example.com', name: 'Grace Hopper' },
      });
    });

    it('answers POST /users without a name 400, naming the field', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const response = await routeRequest(
        request('POST', '/users', JSON.stringify({ email: 'grace@example.com' })),
        deps,
      );

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({ error: 'invalid_request', message: "/ must have required property 'name'" });
      expect(publisher.published).toEqual([]);
    });

    it('answers POST /users with an order body 400, validating against the user schema', async () => {
      // Prepare
      const { deps } = harness();

      // Act
      const response = await routeRequest(request('POST', '/users', fixture.body), deps);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).message).toContain("/ must have required property 'name'");
    });

    it('refuses an email address the event schema would refuse', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const response = await routeRequest(
        request('POST', '/users', JSON.stringify({ ...userBody, email: 'grace@' })),
        deps,
      );

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).message).toMatch(/\/email must match format "email"/);
      expect(publisher.published).toEqual([]);
    });

    it('answers 503 while Kafka is unreachable', async () => {
      // Prepare
      const { deps, publisher } = harness();
      publisher.failing = true;

      // Act
      const response = await routeRequest(request('POST', '/users', JSON.stringify(userBody)), deps);

      // Assess
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['Retry-After']).toBe('5');
      expect(publisher.published).toEqual([]);
    });
  });

  describe('other routes', () => {
    it('answers an unknown path 404 not_found, naming method and path', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const response = await routeRequest(request('POST', '/carts', fixture.body), deps);

      // Assess
      expect(response.statusCode).toBe(404);
      expect(bodyOf(response)).toEqual({ error: 'not_found', message: 'no route for POST /carts' });
      expect(publisher.published).toEqual([]);
    });

    it('answers the root path 404', async () => {
      // Prepare
      const { deps } = harness();

      // Act
      const response = await routeRequest(request('GET', '/'), deps);

      // Assess
      expect(response.statusCode).toBe(404);
    });

    it('answers a path nested under an order 404', async () => {
      // Prepare
      const { deps } = harness();

      // Act
      const response = await routeRequest(request('GET', '/orders/ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY/items'), deps);

      // Assess
      expect(response.statusCode).toBe(404);
    });

    it('answers DELETE /orders 405 with an Allow header listing POST', async () => {
      // Prepare
      const { deps } = harness();

      // Act
      const response = await routeRequest(request('DELETE', '/orders'), deps);

      // Assess
      expect(response.statusCode).toBe(405);
      expect(response.headers).toEqual({ 'content-type': 'application/json', Allow: 'POST' });
      expect(bodyOf(response)).toEqual({ error: 'method_not_allowed', message: 'DELETE is not allowed on /orders' });
    });

    it('answers POST /orders/{id} 405 with an Allow header listing GET', async () => {
      // Prepare
      const { deps, publisher } = harness();

      // Act
      const response = await routeRequest(
        request('POST', '/orders/ord_01JH3Q8Z5K7M9N2P4R6T8V0WXY', fixture.body),
        deps,
      );

      // Assess
      expect(response.statusCode).toBe(405);
      expect(response.headers?.Allow).toBe('GET');
      expect(publisher.published).toEqual([]);
    });

    it('answers GET /users 405 with an Allow header listing POST', async () => {
      // Prepare
      const { deps } = harness();

      // Act
      const response = await routeRequest(request('GET', '/users'), deps);

      // Assess
      expect(response.statusCode).toBe(405);
      expect(response.headers?.Allow).toBe('POST');
    });
  });
});

describe('malformed percent-encoding in the path', () => {
  // Decoding fails before any dependency is used.
  const noDeps = {} as OrderApiDeps;

  it.each(['/orders/%', '/orders/%E0%A4%A'])('answers 400 for GET %s instead of failing', async (path) => {
    const response = await routeRequest(request('GET', path), noDeps);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toBe('invalid_request');
  });
});
