import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { OrderApiDeps } from '../../lambdas/order-api/deps';
import { orderIdForKey } from '../../lambdas/order-api/orders';
import { dynamoRequestIdempotency } from '../../lambdas/order-api/request-idempotency';
import { routeRequest } from '../../lambdas/order-api/routes';
import { getProducts, seedCatalogue } from '../../lambdas/shared/catalogue';
import type { OrderCreatedV2 } from '../../lambdas/shared/events/types.generated';
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import { ApiGatewayEmulator, type ApiGatewayEmulatorOptions, MAX_PAYLOAD_BYTES } from '../../local/api-gateway';
import { apiGatewayTime } from '../../local/api-gateway-event';
import { LOCAL_DEVELOPER, standInUniqueId } from '../../local/api-gateway-identity';
import type { InvocationOutcome } from '../../local/function-observer';
import fixture from '../fixtures/apigw-proxy-event.json';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { InMemoryPublisher } from '../support/in-memory-publisher';

// ---------------------------------------------------------------------------------------------
// An HTTP client that sends headers exactly as given (casing, repeats), and a recording handler.
// ---------------------------------------------------------------------------------------------

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  json(): unknown;
}

interface Send {
  readonly method?: string;
  /** An object, or a flat [name, value, ...] list to send a name twice in different casings. */
  readonly headers?: OutgoingHttpHeaders | string[];
  readonly body?: string | Buffer;
}

function send(url: string, path: string, options: Send = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, url), {
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      // A connection per request, so that after stop() a request meets a closed port, not a pooled socket.
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString()) });
      });
    });
    req.end(options.body);
  });
}

interface Call {
  readonly event: APIGatewayProxyEvent;
  readonly context: Context;
}

type Respond = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** The injected function: records every event and context it gets, then answers with `respond`. */
function recordingHandler(respond: Respond = async () => ({ statusCode: 200, body: '{"ok":true}' })) {
  const calls: Call[] = [];
  const handler: Respond = async (event, context) => {
    calls.push({ event, context });
    return respond(event, context);
  };
  return { calls, handler };
}

const ORDER_BODY = fixture.body;
const JSON_HEADERS = { 'Content-Type': 'application/json' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The headers `curl --aws-sigv4 "aws:amz:us-east-1:execute-api" --user <key id>:<secret>` sends. The
 * emulator verifies no signature, so the signature is a placeholder of the right shape.
 */
function signedAs(accessKeyId: string): Record<string, string> {
  return {
    Authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20250115/us-east-1/execute-api/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${'5d'.repeat(32)}`,
    'X-Amz-Date': '20250115T100000Z',
  };
}

/** The stand-in ARN the emulator gives a local IAM user. */
const localUser = (name: string): string => `arn:aws:iam::000000000000:user/${name}`;

/** The keys of an object, sorted, to compare the shape of two events level by level. */
const keysOf = (value: object): string[] => Object.keys(value).sort();

/** typeof, with null told apart. */
const kindOf = (value: unknown): string => (value === null ? 'null' : typeof value);

describe('ApiGatewayEmulator', () => {
  const running: ApiGatewayEmulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((emulator) => emulator.stop()));
  });

  /** An emulator on a free port in front of `handler`, stopped after the test. */
  async function startEmulator(
    handler: Respond,
    options: Partial<ApiGatewayEmulatorOptions> = {},
  ): Promise<{ url: string; port: number; lines: { line: string; fields?: Record<string, unknown> }[] }> {
    const lines: { line: string; fields?: Record<string, unknown> }[] = [];
    const emulator = new ApiGatewayEmulator({
      port: 0,
      stage: 'local',
      handler,
      functionName: 'local-order-api',
      timeoutSeconds: 10,
      log: (line, fields) => lines.push({ line, fields }),
      ...options,
    });
    running.push(emulator);
    const { url, port } = await emulator.start();
    return { url, port, lines };
  }

  /** The one event the handler received, failing if it got none or several. */
  function onlyEvent(calls: readonly Call[]): APIGatewayProxyEvent {
    expect(calls).toHaveLength(1);
    return (calls[0] as Call).event;
  }

  describe('the proxy event', () => {
    it('has the keys of a real REST proxy event at every level, with the values of this request', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url, port } = await startEmulator(handler);

      // Act
      const reply = await send(url, '/orders', {
        method: 'POST',
        headers: {
          ...JSON_HEADERS,
          'User-Agent': 'curl/8.7.1',
          Authorization: fixture.headers.Authorization,
          'X-Amz-Date': fixture.headers['X-Amz-Date'],
        },
        body: ORDER_BODY,
      });

      // Assess
      expect(reply.status).toBe(200);
      const event = onlyEvent(calls);
      expect(keysOf(event)).toEqual(keysOf(fixture));
      expect(keysOf(event.requestContext)).toEqual(keysOf(fixture.requestContext));
      expect(keysOf(event.requestContext.identity)).toEqual(keysOf(fixture.requestContext.identity));
      for (const key of Object.keys(fixture) as (keyof typeof fixture)[]) {
        expect([key, kindOf(event[key])]).toEqual([key, kindOf(fixture[key])]);
      }
      for (const key of Object.keys(fixture.requestContext) as (keyof typeof fixture.requestContext)[]) {
        expect([key, kindOf(event.requestContext[key])]).toEqual([key, kindOf(fixture.requestContext[key])]);
      }

      expect(event).toMatchObject({
        resource: '/orders',
        path: '/orders',
        httpMethod: 'POST',
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        pathParameters: null,
        stageVariables: null,
        body: ORDER_BODY,
        isBase64Encoded: false,
      });
      const context = event.requestContext;
      expect(context).toMatchObject({
        resourcePath: '/orders',
        httpMethod: 'POST',
        path: '/local/orders',
        accountId: '000000000000',
        protocol: 'HTTP/1.1',
        stage: 'local',
        domainName: '127.0.0.1',
        domainPrefix: '127',
        apiId: 'local',
        authorizer: null,
      });
      expect(context.requestId).toMatch(UUID);
      expect(reply.headers['x-amzn-requestid']).toBe(context.requestId);
      expect(context.requestTime).toBe(apiGatewayTime(new Date(context.requestTimeEpoch)));
      expect(context.requestTime).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
      expect(context.extendedRequestId).toMatch(/^[A-Za-z0-9+/]{15}=$/);
      expect(context.resourceId).toMatch(/^[a-z0-9]{6}$/);
      // The signature is not verified locally: its access key id names a stand-in IAM user.
      expect(context.identity).toEqual({
        cognitoIdentityPoolId: null,
        accountId: '000000000000',
        cognitoIdentityId: null,
        caller: standInUniqueId('arn:aws:iam::000000000000:user/AKIAIOSFODNN7EXAMPLE'),
        sourceIp: '127.0.0.1',
        principalOrgId: null,
        accessKey: 'AKIAIOSFODNN7EXAMPLE',
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: 'arn:aws:iam::000000000000:user/AKIAIOSFODNN7EXAMPLE',
        userAgent: 'curl/8.7.1',
        user: standInUniqueId('arn:aws:iam::000000000000:user/AKIAIOSFODNN7EXAMPLE'),
        apiKey: null,
        apiKeyId: null,
        clientCert: null,
      });

      expect(event.headers).toMatchObject({
        'Content-Type': 'application/json',
        'User-Agent': 'curl/8.7.1',
        Authorization: fixture.headers.Authorization,
        Host: `127.0.0.1:${port}`,
        'X-Forwarded-For': '127.0.0.1',
        'X-Forwarded-Port': String(port),
        'X-Forwarded-Proto': 'http',
      });
      expect(event.headers['X-Amzn-Trace-Id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
      // As in a real REST proxy event: no hop-by-hop headers, no Content-Length.
      const names = Object.keys(event.headers).map((name) => name.toLowerCase());
      expect(names).not.toContain('content-length');
      expect(names).not.toContain('connection');
      expect(keysOf(event.multiValueHeaders)).toEqual(keysOf(event.headers));
      expect(event.multiValueHeaders['Content-Type']).toEqual(['application/json']);
    });

    it('keeps a forwarded-for chain and a trace header the client sent', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      await send(url, '/orders/ord_1', {
        headers: { 'X-Forwarded-For': '203.0.113.10', 'X-Amzn-Trace-Id': 'Root=1-00000000-000000000000000000000001' },
      });

      // Assess
      const event = onlyEvent(calls);
      expect(event.headers['X-Forwarded-For']).toBe('203.0.113.10, 127.0.0.1');
      expect(event.headers['X-Amzn-Trace-Id']).toBe('Root=1-00000000-000000000000000000000001');
      expect(event.requestContext.identity.sourceIp).toBe('127.0.0.1');
    });

    it('fills resource and decoded path parameters for /orders/{orderId}, keeping the path as sent', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      await send(url, '/orders/ord%20A%2FB');
      await send(url, '/orders/ord_2/');

      // Assess
      expect(calls).toHaveLength(2);
      const [encoded, trailing] = calls.map((call) => call.event) as [APIGatewayProxyEvent, APIGatewayProxyEvent];
      expect(encoded).toMatchObject({
        resource: '/orders/{orderId}',
        path: '/orders/ord%20A%2FB',
        httpMethod: 'GET',
        pathParameters: { orderId: 'ord A/B' },
        body: null,
        isBase64Encoded: false,
      });
      expect(encoded.requestContext.resourcePath).toBe('/orders/{orderId}');
      expect(encoded.requestContext.path).toBe('/local/orders/ord%20A%2FB');
      expect(trailing.pathParameters).toEqual({ orderId: 'ord_2' });
      expect(trailing.requestContext.resourceId).toBe(encoded.requestContext.resourceId);
    });

    it('serves the stage-prefixed path of an execute-api URL as the same resource', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      await send(url, '/local/orders/ord_3');

      // Assess
      const event = onlyEvent(calls);
      expect(event.path).toBe('/orders/ord_3');
      expect(event.resource).toBe('/orders/{orderId}');
      expect(event.requestContext.path).toBe('/local/orders/ord_3');
    });

    it('gives every value of a repeated header in multiValueHeaders and the last one in headers', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      const reply = await send(url, '/orders/ord_4', {
        headers: ['Host', new URL(url).host, 'X-Multi', 'one', 'x-multi', 'two', 'Accept', 'text/plain'],
      });

      // Assess
      expect(reply.status).toBe(200);
      const event = onlyEvent(calls);
      expect(event.multiValueHeaders['X-Multi']).toEqual(['one', 'two']);
      expect(event.headers['X-Multi']).toBe('two');
      expect(event.headers).not.toHaveProperty('x-multi');
      expect(event.multiValueHeaders.Accept).toEqual(['text/plain']);
    });

    it('decodes query string parameters, every value in the multi-value map and the last in the single one', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      await send(url, '/orders/ord_5?a=1&a=2&b=x%20y&c=d+e&flag');

      // Assess
      const event = onlyEvent(calls);
      expect(event.queryStringParameters).toEqual({ a: '2', b: 'x y', c: 'd e', flag: '' });
      expect(event.multiValueQueryStringParameters).toEqual({ a: ['1', '2'], b: ['x y'], c: ['d e'], flag: [''] });
      expect(event.path).toBe('/orders/ord_5');
    });

    it.each([
      ['a binary content type', 'application/octet-stream', Buffer.from([0, 255, 1, 2]), 'AP8BAg==', true],
      ['text that is not UTF-8', 'text/plain', Buffer.from([0x68, 0xff, 0x69]), 'aP9p', true],
      ['UTF-8 text', 'text/plain; charset=utf-8', Buffer.from('héllo'), 'héllo', false],
    ])('passes %s to the handler as %s', async (_case, contentType, body, expected, base64) => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      const reply = await send(url, '/orders', { method: 'POST', headers: { 'Content-Type': contentType }, body });

      // Assess
      expect(reply.status).toBe(200);
      const event = onlyEvent(calls);
      expect(event.body).toBe(expected);
      expect(event.isBase64Encoded).toBe(base64);
    });
  });

  describe('the caller, a stand-in for what IAM authorization puts in requestContext.identity', () => {
    it('names an unsigned request the local developer, an IAM user of the local account', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      await send(url, '/orders/ord_1');

      // Assess
      const identity = onlyEvent(calls).requestContext.identity;
      expect(identity).toMatchObject({
        accountId: '000000000000',
        accessKey: null,
        userArn: localUser(LOCAL_DEVELOPER),
        caller: standInUniqueId(localUser(LOCAL_DEVELOPER)),
        user: standInUniqueId(localUser(LOCAL_DEVELOPER)),
        cognitoIdentityId: null,
      });
      expect(identity.caller).toMatch(/^AIDA[A-Z2-7]{17}$/);
    });

    it('names a SigV4-signed request by the access key id of its Credential, one caller per key id', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      await send(url, '/orders/ord_1', { headers: signedAs('alice') });
      await send(url, '/orders/ord_1', { headers: signedAs('bob') });
      await send(url, '/orders/ord_1', { headers: signedAs('alice') });

      // Assess
      const identities = calls.map((call) => call.event.requestContext.identity);
      expect(identities.map((i) => [i.accessKey, i.userArn])).toEqual([
        ['alice', localUser('alice')],
        ['bob', localUser('bob')],
        ['alice', localUser('alice')],
      ]);
      expect(identities[0]?.caller).toBe(identities[2]?.caller);
      expect(identities[0]?.caller).not.toBe(identities[1]?.caller);
      // The signature is passed on to the function, as API Gateway passes it.
      expect(calls[0]?.event.headers.Authorization).toBe(signedAs('alice').Authorization);
    });

    it('reads the access key id of a presigned URL from X-Amz-Credential', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);
      const query = new URLSearchParams({
        'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
        'X-Amz-Credential': 'carol/20250115/us-east-1/execute-api/aws4_request',
        'X-Amz-Date': '20250115T100000Z',
        'X-Amz-SignedHeaders': 'host',
        'X-Amz-Signature': '5d'.repeat(32),
      });

      // Act
      const reply = await send(url, `/orders/ord_1?${query}`);

      // Assess
      expect(reply.status).toBe(200);
      expect(onlyEvent(calls).requestContext.identity).toMatchObject({
        accessKey: 'carol',
        userArn: localUser('carol'),
      });
    });

    it.each([
      [
        'a bearer token',
        { Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln' },
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
          "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of " +
          "either a 'X-Amz-Date' or a 'Date' header.",
      ],
      [
        'a SigV4 header without X-Amz-Date or Date',
        { Authorization: signedAs('alice').Authorization as string },
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      ],
      [
        'a SigV4 header without its Signature',
        {
          ...signedAs('alice'),
          Authorization:
            'AWS4-HMAC-SHA256 Credential=alice/20250115/us-east-1/execute-api/aws4_request, SignedHeaders=host',
        },
        "Authorization header requires 'Signature' parameter.",
      ],
      [
        'a Credential that is only a key id',
        {
          ...signedAs('alice'),
          Authorization: `AWS4-HMAC-SHA256 Credential=alice, SignedHeaders=host, Signature=${'5d'.repeat(32)}`,
        },
        'Credential must be <access key id>/<yyyymmdd>/<region>/execute-api/aws4_request, as curl --aws-sigv4 and the AWS SDKs send it.',
      ],
    ])('refuses %s 403 naming what is missing, without invoking the function', async (_label, headers, message) => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url, lines } = await startEmulator(handler);

      // Act
      const reply = await send(url, '/orders', {
        method: 'POST',
        headers: { ...JSON_HEADERS, ...headers },
        body: ORDER_BODY,
      });

      // Assess
      expect(reply.status).toBe(403);
      expect(reply.json()).toEqual({ message });
      expect(calls).toHaveLength(0);
      expect(lines.map((l) => l.line)).toEqual([
        expect.stringMatching(/^POST \/orders 403 \d+ms \(signature refused\)$/),
      ]);
    });

    it('refuses a presigned URL without its signature 403, naming the missing parameters', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      const reply = await send(
        url,
        '/orders/ord_1?X-Amz-Credential=carol%2F20250115%2Fus-east-1%2Fexecute-api%2Faws4_request',
      );

      // Assess
      expect(reply.status).toBe(403);
      expect(reply.json()).toEqual({
        message:
          'A presigned request requires X-Amz-Algorithm, X-Amz-SignedHeaders, X-Amz-Signature, X-Amz-Date in the query string.',
      });
      expect(calls).toHaveLength(0);
    });
  });

  describe('request validation, as the deployed request validator', () => {
    const invalidOrder = JSON.stringify({ ...JSON.parse(ORDER_BODY), items: [] });

    const noItems = '/items must NOT have fewer than 1 items';
    it.each([
      ['POST /orders, a schema violation', '/orders', 'application/json', invalidOrder, noItems],
      [
        'POST /orders, an unknown property',
        '/orders',
        'application/json',
        ORDER_BODY.replace('{', '{"admin":true,'),
        '/ must NOT have additional properties (admin)',
      ],
      [
        'POST /orders, malformed JSON',
        '/orders',
        'application/json',
        '{"customerId":',
        'the body is not valid JSON (UTF-8)',
      ],
      ['POST /orders, an empty body', '/orders', 'application/json', '', 'the body is empty; send a JSON object'],
      ['POST /orders, JSON with a charset', '/orders', 'application/json; charset=utf-8', invalidOrder, noItems],
      ['POST /orders, no content type (taken as JSON)', '/orders', undefined, invalidOrder, noItems],
      [
        'POST /users, a missing name',
        '/users',
        'application/json',
        '{"email":"ada@example.com"}',
        "/ must have required property 'name'",
      ],
    ])(
      'answers 400 naming what failed, without calling the function: %s',
      async (_case, path, contentType, body, message) => {
        // Prepare
        const { calls, handler } = recordingHandler();
        const { url, lines } = await startEmulator(handler);

        // Act
        const reply = await send(url, path, {
          method: 'POST',
          headers: contentType ? { 'Content-Type': contentType } : {},
          body,
        });

        // Assess
        expect(reply.status).toBe(400);
        expect(reply.json()).toEqual({ error: 'invalid_request', message });
        expect(reply.headers['content-type']).toBe('application/json');
        expect(calls).toHaveLength(0);
        expect(lines.map((l) => l.line)).toEqual([expect.stringMatching(/^POST \/\w+ 400 \d+ms$/)]);
      },
    );

    it('passes valid bodies of both models to the function', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      const order = await send(url, '/orders', { method: 'POST', headers: JSON_HEADERS, body: ORDER_BODY });
      const user = await send(url, '/users', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: '{"email":"ada@example.com","name":"Ada"}',
      });

      // Assess
      expect([order.status, user.status]).toEqual([200, 200]);
      expect(calls.map((call) => call.event.resource)).toEqual(['/orders', '/users']);
    });

    it('does not check `format`, as API Gateway does not: the function sees a malformed email', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      const reply = await send(url, '/users', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: '{"email":"not-an-email","name":"Ada"}',
      });

      // Assess
      expect(reply.status).toBe(200);
      expect(onlyEvent(calls).body).toBe('{"email":"not-an-email","name":"Ada"}');
    });

    it('passes a body of another content type through unchecked, for the function to refuse', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      const reply = await send(url, '/orders', {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: 'hi',
      });

      // Assess
      expect(reply.status).toBe(200);
      expect(onlyEvent(calls).body).toBe('hi');
    });
  });

  describe('limits and gateway errors', () => {
    it('answers 413 for a body over 10 MB without calling the function, and takes one of exactly 10 MB', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);
      const binary = { 'Content-Type': 'application/octet-stream' };

      // Act
      const over = await send(url, '/orders', {
        method: 'POST',
        headers: binary,
        body: Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 7),
      });
      const limit = await send(url, '/orders', {
        method: 'POST',
        headers: binary,
        body: Buffer.alloc(MAX_PAYLOAD_BYTES, 7),
      });

      // Assess
      expect(over.status).toBe(413);
      expect(over.json()).toEqual({ message: 'Request Too Long' });
      expect(limit.status).toBe(200);
      const event = onlyEvent(calls);
      expect(Buffer.from(event.body ?? '', 'base64')).toHaveLength(MAX_PAYLOAD_BYTES);
    });

    it.each([
      ['an unknown path', 'GET', '/nothing-here'],
      ['the root', 'GET', '/'],
      ['a path deeper than any resource', 'GET', '/orders/ord_1/items'],
      ['an empty path parameter', 'GET', '/orders//'],
    ])('answers 404 for %s without calling the function', async (_case, method, path) => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      const reply = await send(url, path, { method });

      // Assess
      expect(reply.status).toBe(404);
      expect(reply.json()).toEqual({ message: expect.stringContaining('No resource matches') });
      expect(calls).toHaveLength(0);
    });

    it.each([
      ['DELETE', '/orders', 'POST'],
      ['GET', '/users', 'POST'],
      ['PUT', '/orders/ord_1', 'GET'],
      ['OPTIONS', '/orders', 'POST'],
    ])('answers 405 for %s %s with Allow: %s, without calling the function', async (method, path, allow) => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);

      // Act
      const reply = await send(url, path, { method });

      // Assess
      expect(reply.status).toBe(405);
      expect(reply.headers.allow).toBe(allow);
      expect(reply.json()).toEqual({ message: expect.stringContaining(`${method} is not allowed`) });
      expect(calls).toHaveLength(0);
    });

    it('answers 502 Internal server error when the function throws, and logs why', async () => {
      // Prepare
      const { calls, handler } = recordingHandler(async () => {
        throw new Error('boom');
      });
      const { url, lines } = await startEmulator(handler);

      // Act
      const reply = await send(url, '/orders/ord_1');

      // Assess
      expect(calls).toHaveLength(1);
      expect(reply.status).toBe(502);
      expect(reply.json()).toEqual({ message: 'Internal server error' });
      expect(lines).toHaveLength(1);
      expect(lines[0]?.line).toMatch(/^GET \/orders\/ord_1 502 \d+ms \(handler threw: Error: boom\)$/);
      expect(lines[0]?.fields).toMatchObject({ method: 'GET', path: '/orders/ord_1', status: 502 });
    });

    it.each([
      ['no statusCode', { body: 'x' }],
      ['a body that is not a string', { statusCode: 200, body: { ok: true } }],
      ['nothing at all', undefined],
      ['an invalid header value', { statusCode: 200, headers: { 'X-Bad': 'a\nb' }, body: '' }],
    ])('answers 502 for a malformed proxy response: %s', async (_case, response) => {
      // Prepare
      const { handler } = recordingHandler(async () => response as unknown as APIGatewayProxyResult);
      const { url, lines } = await startEmulator(handler);

      // Act
      const reply = await send(url, '/orders/ord_1');

      // Assess
      expect(reply.status).toBe(502);
      expect(reply.json()).toEqual({ message: 'Internal server error' });
      expect(lines[0]?.line).toContain('malformed Lambda proxy response');
    });

    it('answers 504 Endpoint request timed out when the function outlives its timeout', async () => {
      // Prepare
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const { calls, handler } = recordingHandler(async () => {
        await gate;
        return { statusCode: 200, body: 'too late' };
      });
      const { url, lines } = await startEmulator(handler, { timeoutSeconds: 0.05 });

      // Act
      const reply = await send(url, '/orders/ord_1').finally(release);

      // Assess
      expect(calls).toHaveLength(1);
      expect(reply.status).toBe(504);
      expect(reply.json()).toEqual({ message: 'Endpoint request timed out' });
      expect(lines[0]?.line).toMatch(/^GET \/orders\/ord_1 504 \d+ms \(no response within 50ms\)$/);
    });

    it('tells its observer about each invocation: thrown and timed out are errors, a bad response is not', async () => {
      // Prepare
      const outcomes: InvocationOutcome[] = [];
      const answers: (() => Promise<APIGatewayProxyResult>)[] = [
        async () => ({ statusCode: 200, body: '{}' }),
        async () => {
          throw new Error('boom');
        },
        async () => ({ body: 'no status' }) as unknown as APIGatewayProxyResult,
        () => new Promise(() => undefined),
      ];
      const { handler } = recordingHandler(async () => (answers.shift() as () => Promise<APIGatewayProxyResult>)());
      const { url } = await startEmulator(handler, {
        timeoutSeconds: 0.05,
        observer: { invoked: (outcome) => outcomes.push(outcome), deadLettered: () => undefined },
      });

      // Act
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await send(url, '/orders/ord_1')).status);
      await send(url, '/nowhere');

      // Assess: the 404 never reached the function.
      expect(statuses).toEqual([200, 502, 502, 504]);
      expect(outcomes.map((o) => o.error)).toEqual([false, true, false, true]);
      expect(outcomes.every((o) => !o.retry && o.durationMs >= 0)).toBe(true);
    });
  });

  describe('the function and its response', () => {
    it('returns status, headers, multi-value headers and body as the function gave them', async () => {
      // Prepare
      const { handler } = recordingHandler(async () => ({
        statusCode: 202,
        headers: { 'content-type': 'application/json', Location: '/orders/ord_1', 'X-Count': 3 },
        multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
        body: '{"orderId":"ord_1"}',
      }));
      const { url, lines } = await startEmulator(handler);

      // Act
      const reply = await send(url, '/orders', { method: 'POST', headers: JSON_HEADERS, body: ORDER_BODY });

      // Assess
      expect(reply.status).toBe(202);
      expect(reply.headers).toMatchObject({
        'content-type': 'application/json',
        location: '/orders/ord_1',
        'x-count': '3',
        'set-cookie': ['a=1', 'b=2'],
      });
      expect(reply.body.toString()).toBe('{"orderId":"ord_1"}');
      expect(lines.map((l) => l.line)).toEqual([expect.stringMatching(/^POST \/orders 202 \d+ms$/)]);
      expect(lines[0]?.fields).toMatchObject({ method: 'POST', path: '/orders', status: 202 });
    });

    it('lets multiValueHeaders win over headers for the same name, and defaults Content-Type to JSON', async () => {
      // Prepare
      const { handler } = recordingHandler(async () => ({
        statusCode: 200,
        headers: { 'X-Both': 'single' },
        multiValueHeaders: { 'x-both': ['multi-1', 'multi-2'] },
        body: '[]',
      }));
      const { url } = await startEmulator(handler);

      // Act
      const reply = await send(url, '/orders/ord_1');

      // Assess
      expect(reply.headers['x-both']).toBe('multi-1, multi-2');
      expect(reply.headers['content-type']).toBe('application/json');
    });

    it('decodes a base64 body the function returns', async () => {
      // Prepare
      const bytes = Buffer.from([0, 1, 254, 255]);
      const { handler } = recordingHandler(async () => ({
        statusCode: 200,
        headers: { 'Content-Type': 'application/octet-stream' },
        body: bytes.toString('base64'),
        isBase64Encoded: true,
      }));
      const { url } = await startEmulator(handler);

      // Act
      const reply = await send(url, '/orders/ord_1');

      // Assess
      expect(reply.body.equals(bytes)).toBe(true);
    });

    it('invokes the function with a Lambda context of its own name, ARN, request id and time budget', async () => {
      // Prepare
      let remaining = -1;
      const { calls, handler } = recordingHandler(async (_event, context) => {
        remaining = context.getRemainingTimeInMillis();
        return { statusCode: 204, body: '' };
      });
      const { url } = await startEmulator(handler, { timeoutSeconds: 7, memoryMb: 512 });

      // Act
      await send(url, '/orders/ord_1');

      // Assess
      expect(calls).toHaveLength(1);
      const { event, context } = calls[0] as Call;
      expect(context.functionName).toBe('local-order-api');
      expect(context.invokedFunctionArn).toMatch(/^arn:aws:lambda:[^:]+:000000000000:function:local-order-api$/);
      expect(context.memoryLimitInMB).toBe('512');
      expect(context.awsRequestId).toMatch(UUID);
      expect(context.awsRequestId).not.toBe(event.requestContext.requestId);
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(7000);
    });
  });

  describe('lifecycle', () => {
    it('serves extra routes first, and the API when they decline', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler, {
        extraRoutes: (req, res) => {
          if (req.url !== '/metrics') return false;
          res.end('pipeline_up 1\n');
          return true;
        },
      });

      // Act
      const metrics = await send(url, '/metrics');
      const api = await send(url, '/orders/ord_1');

      // Assess
      expect(metrics.status).toBe(200);
      expect(metrics.body.toString()).toBe('pipeline_up 1\n');
      expect(api.status).toBe(200);
      expect(calls.map((call) => call.event.path)).toEqual(['/orders/ord_1']);
    });

    it('stop() closes the server, and a second stop() is harmless', async () => {
      // Prepare
      const { handler } = recordingHandler();
      const emulator = new ApiGatewayEmulator({
        port: 0,
        stage: 'local',
        handler,
        functionName: 'f',
        timeoutSeconds: 1,
      });
      const { url } = await emulator.start();
      const before = await send(url, '/orders/ord_1');

      // Act
      await emulator.stop();
      await emulator.stop();

      // Assess
      expect(before.status).toBe(200);
      await expect(send(url, '/orders/ord_1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });
  });

  describe('in front of the real order API (routeRequest over dynalite)', () => {
    let dynamo: TestDynamo;

    beforeAll(async () => {
      dynamo = await startDynamo();
      await seedCatalogue(dynamo.items, dynamo.tableName('inventory'));
    });
    afterAll(async () => dynamo.stop());

    function orderApi(publisher: InMemoryPublisher): Respond {
      let ids = 0;
      const deps: OrderApiDeps = {
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
        newOrderId: () => `ord_EMULATOR${String(++ids).padStart(10, '0')}`,
        newUserId: () => `usr_EMULATOR${String(++ids).padStart(10, '0')}`,
        newCorrelationId: () => 'not-used-when-api-gateway-gives-a-request-id',
        logger: { info: () => undefined, error: () => undefined },
      };
      return (event, context) => routeRequest(event, deps, context);
    }

    it('creates an order, correlated by the API Gateway request id, and routes GET /orders/{orderId}', async () => {
      // Prepare
      const publisher = new InMemoryPublisher();
      const { url } = await startEmulator(orderApi(publisher));

      // Act
      const created = await send(url, '/orders', { method: 'POST', headers: JSON_HEADERS, body: ORDER_BODY });
      const fetched = await send(url, '/orders/ord_EMULATOR0000000001');

      // Assess
      expect(created.status).toBe(202);
      expect(created.headers.location).toBe('/orders/ord_EMULATOR0000000001');
      expect(created.json()).toMatchObject({ orderId: 'ord_EMULATOR0000000001', status: 'PENDING' });
      expect(publisher.ofType('OrderCreated')).toHaveLength(1);
      expect(publisher.published[0]?.correlationid).toBe(created.headers['x-amzn-requestid']);
      // No order service runs here to build the view, so the order API answers not found (yet).
      expect(fetched.status).toBe(404);
      expect(fetched.json()).toMatchObject({ error: 'not_found' });
    });

    it('gives two callers who sign with the same Idempotency-Key two orders, and publishes two OrderCreated', async () => {
      // Prepare
      const publisher = new InMemoryPublisher();
      const { url } = await startEmulator(orderApi(publisher));
      const key = randomUUID();
      const post = (signer: Record<string, string>) =>
        send(url, '/orders', {
          method: 'POST',
          headers: { ...JSON_HEADERS, ...signer, 'Idempotency-Key': key },
          body: ORDER_BODY,
        });

      // Act
      const alice = await post(signedAs('alice'));
      const bob = await post(signedAs('bob'));

      // Assess
      expect([alice.status, bob.status]).toEqual([202, 202]);
      const ids = [alice, bob].map((reply) => (reply.json() as { orderId: string }).orderId);
      expect(ids).toEqual([orderIdForKey(localUser('alice'), key), orderIdForKey(localUser('bob'), key)]);
      expect(ids[0]).not.toBe(ids[1]);
      const events = publisher.ofType('OrderCreated') as CloudEvent<OrderCreatedV2>[];
      expect(events.map((e) => e.data.orderId)).toEqual(ids);
    });

    it.each([
      ['signed with one access key id', signedAs('alice')],
      ['unsigned, as the local developer', {}],
    ])("answers one caller's retries, %s, with the first answer; another body 422", async (_label, signer) => {
      // Prepare
      const publisher = new InMemoryPublisher();
      const { url } = await startEmulator(orderApi(publisher));
      const key = randomUUID();
      const post = (body: string) =>
        send(url, '/orders', {
          method: 'POST',
          headers: { ...JSON_HEADERS, ...signer, 'Idempotency-Key': key },
          body,
        });
      const other = JSON.stringify({ ...JSON.parse(ORDER_BODY), items: [{ sku: 'SKU-002', quantity: 1 }] });

      // Act
      const first = await post(ORDER_BODY);
      const retried = await post(ORDER_BODY);
      const conflicting = await post(other);

      // Assess
      expect([first.status, retried.status, conflicting.status]).toEqual([202, 202, 422]);
      expect(retried.json()).toEqual(first.json());
      expect(conflicting.json()).toMatchObject({ error: 'idempotency_key_reused' });
      expect(publisher.ofType('OrderCreated')).toHaveLength(1);
    });

    it('names every failing field, quotes included, in valid JSON', async () => {
      // Prepare
      const { calls, handler } = recordingHandler();
      const { url } = await startEmulator(handler);
      const order = JSON.parse(ORDER_BODY) as Record<string, unknown>;

      // Act
      const reply = await send(url, '/orders', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ ...order, 'say "hi"': 1, items: [{ sku: 'SKU-001', quantity: 0 }] }),
      });

      // Assess
      expect(reply.status).toBe(400);
      expect(reply.json()).toEqual({
        error: 'invalid_request',
        message: '/ must NOT have additional properties (say "hi"); /items/0/quantity must be >= 1',
      });
      expect(calls).toHaveLength(0);
    });

    it('answers a body the gateway refuses and one the function refuses in the same shape', async () => {
      // Prepare
      const publisher = new InMemoryPublisher();
      const { url } = await startEmulator(orderApi(publisher));

      // Act: the gateway's model refuses the first (no name); only the function checks the email format.
      const byGateway = await send(url, '/users', { method: 'POST', headers: JSON_HEADERS, body: '{"email":"a@b.c"}' });
      const byFunction = await send(url, '/users', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: '{"email":"not-an-email","name":"Ada"}',
      });

      // Assess
      for (const reply of [byGateway, byFunction]) {
        expect(reply.status).toBe(400);
        expect(reply.headers['content-type']).toMatch(/^application\/json/);
        expect(Object.keys(reply.json() as object).sort()).toEqual(['error', 'message']);
        expect(reply.json()).toMatchObject({ error: 'invalid_request' });
      }
      expect(byGateway.json()).toMatchObject({ message: "/ must have required property 'name'" });
      expect(byFunction.json()).toMatchObject({ message: expect.stringContaining('/email') });
      expect(publisher.published).toHaveLength(0);
    });

    it('lets a malformed email past the gateway, and the function refuses it naming the field', async () => {
      // Prepare
      const publisher = new InMemoryPublisher();
      const { url } = await startEmulator(orderApi(publisher));

      // Act
      const reply = await send(url, '/users', {
        method: 'POST',
        headers: JSON_HEADERS,
        body: '{"email":"not-an-email","name":"Ada"}',
      });

      // Assess
      expect(reply.status).toBe(400);
      expect(reply.json()).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('email') });
      expect(publisher.published).toHaveLength(0);
    });
  });
});
