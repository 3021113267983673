import type { APIGatewayProxyEvent } from 'aws-lambda';
import { MAX_BODY_BYTES, routeRequest } from '../../lambdas/order-api/routes';
import fixture from '../fixtures/apigw-proxy-event.json';

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

const bodyOf = (response: { body: string }): { error: string; message: string } => JSON.parse(response.body);

describe('Function: routeRequest', () => {
  describe('POST /orders', () => {
    it('answers a valid order 501 not_implemented, as JSON', () => {
      // Prepare
      const event = apiEvent();

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(501);
      expect(response.headers).toEqual({ 'content-type': 'application/json' });
      expect(bodyOf(response)).toEqual({
        error: 'not_implemented',
        message: 'publishing is not built yet; the request itself is valid',
      });
    });

    it('answers a body that is not JSON 400 malformed_json', () => {
      // Prepare
      const event = apiEvent();
      event.body = '{"customerId":"c-42","items":[';

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).error).toBe('malformed_json');
    });

    it('answers a request without a body 400 malformed_json', () => {
      // Prepare
      const event = apiEvent();
      event.body = null;

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).error).toBe('malformed_json');
    });

    it('answers a quantity of 0 400 invalid_request, naming the field', () => {
      // Prepare
      const event = apiEvent();
      const body = orderBody();
      body.items = [{ sku: 'SKU-001', quantity: 0 }];
      event.body = JSON.stringify(body);

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({ error: 'invalid_request', message: '/items/0/quantity must be >= 1' });
    });

    it('answers a client-set price 400 invalid_request, because prices come from the catalogue', () => {
      // Prepare
      const event = apiEvent();
      const body = orderBody();
      body.items = [{ sku: 'SKU-001', quantity: 2, price: 1 }];
      event.body = JSON.stringify(body);

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({
        error: 'invalid_request',
        message: '/items/0 must NOT have additional properties',
      });
    });

    it('answers a missing required field 400, naming it', () => {
      // Prepare
      const event = apiEvent();
      const { email: _dropped, ...body } = orderBody();
      event.body = JSON.stringify(body);

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).message).toBe("/ must have required property 'email'");
    });

    it('answers a JSON body that is not an object 400 invalid_request', () => {
      // Prepare
      const event = apiEvent();
      event.body = '[]';

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({ error: 'invalid_request', message: '/ must be object' });
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp'])(
      'answers a body sent as %s 415',
      (contentType) => {
        // Prepare
        const event = apiEvent();
        event.headers['Content-Type'] = contentType;

        // Act
        const response = routeRequest(event);

        // Assess
        expect(response.statusCode).toBe(415);
        expect(bodyOf(response).error).toBe('unsupported_media_type');
      },
    );

    it('answers a request without a content type 415', () => {
      // Prepare
      const event = apiEvent();
      delete event.headers['Content-Type'];

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(415);
    });

    it.each([
      ['a charset parameter', 'content-type', 'application/json; charset=utf-8'],
      ['a lower-case header name', 'content-type', 'application/json'],
      ['an upper-case media type', 'CONTENT-TYPE', 'Application/JSON'],
    ])('accepts a JSON content type with %s', (_label, name, value) => {
      // Prepare
      const event = apiEvent();
      delete event.headers['Content-Type'];
      event.headers[name] = value;

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(501);
    });

    it('answers a body over 64 KiB 413, before parsing it', () => {
      // Prepare
      const event = apiEvent();
      event.body = `{"pad":"${'x'.repeat(MAX_BODY_BYTES)}"}`;

      // Act
      const response = routeRequest(event);

      // Assess
      expect(MAX_BODY_BYTES).toBe(65_536);
      expect(response.statusCode).toBe(413);
      expect(bodyOf(response).error).toBe('payload_too_large');
    });

    it('counts the limit in bytes, not characters', () => {
      // Prepare
      const event = apiEvent();
      const body = orderBody();
      const overhead = Buffer.byteLength(JSON.stringify({ ...body, giftMessage: '' }));
      // 'é' is two bytes in UTF-8: the body is under the limit in characters, over it in bytes.
      body.giftMessage = 'é'.repeat(Math.ceil((MAX_BODY_BYTES - overhead) / 2) + 1);
      event.body = JSON.stringify(body);

      // Act
      const response = routeRequest(event);

      // Assess
      expect(event.body.length).toBeLessThanOrEqual(MAX_BODY_BYTES);
      expect(response.statusCode).toBe(413);
    });

    it('accepts a body of exactly 64 KiB as far as size goes', () => {
      // Prepare
      const event = apiEvent();
      const compact = fixture.body;
      event.body = compact + ' '.repeat(MAX_BODY_BYTES - Buffer.byteLength(compact));

      // Act
      const response = routeRequest(event);

      // Assess
      expect(Buffer.byteLength(event.body)).toBe(MAX_BODY_BYTES);
      expect(response.statusCode).toBe(501);
    });

    it('treats a base64-encoded valid body like the plain one', () => {
      // Prepare
      const plain = apiEvent();
      const encoded = apiEvent();
      encoded.isBase64Encoded = true;
      encoded.body = Buffer.from(fixture.body, 'utf8').toString('base64');

      // Act
      const fromPlain = routeRequest(plain);
      const fromEncoded = routeRequest(encoded);

      // Assess
      expect(fromEncoded).toEqual(fromPlain);
      expect(fromEncoded.statusCode).toBe(501);
    });

    it('decodes a base64-encoded body before validating it', () => {
      // Prepare
      const event = apiEvent();
      const body = orderBody();
      body.items = [{ sku: 'SKU-001', quantity: 0 }];
      event.isBase64Encoded = true;
      event.body = Buffer.from(JSON.stringify(body), 'utf8').toString('base64');

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).message).toBe('/items/0/quantity must be >= 1');
    });

    it('tolerates a trailing slash', () => {
      // Prepare
      const event = request('POST', '/orders/', fixture.body);

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(501);
    });
  });

  describe('other routes', () => {
    it('answers an unknown path 404 not_found, naming method and path', () => {
      // Prepare
      const event = request('POST', '/carts', fixture.body);

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(404);
      expect(bodyOf(response)).toEqual({ error: 'not_found', message: 'no route for POST /carts' });
    });

    it('answers the root path 404', () => {
      // Prepare
      const event = request('GET', '/');

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(404);
    });

    it('answers a path nested under an order 404', () => {
      // Prepare
      const event = request('GET', '/orders/ord_x/items');

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(404);
    });

    it('answers DELETE /orders 405 with an Allow header listing POST', () => {
      // Prepare
      const event = request('DELETE', '/orders');

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(405);
      expect(response.headers).toEqual({ 'content-type': 'application/json', Allow: 'POST' });
      expect(bodyOf(response)).toEqual({
        error: 'method_not_allowed',
        message: 'DELETE is not allowed on /orders',
      });
    });

    it('answers POST /orders/{id} 405 with an Allow header listing GET', () => {
      // Prepare
      const event = request('POST', '/orders/ord_x', fixture.body);

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(405);
      expect(response.headers?.Allow).toBe('GET');
    });

    it('answers GET /orders/{id} 501 not_implemented', () => {
      // Prepare
      const event = request('GET', '/orders/ord_x');

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(501);
      expect(bodyOf(response)).toEqual({
        error: 'not_implemented',
        message: 'reading the order view is not built yet; the request itself is valid',
      });
    });

    it('answers GET /orders/{id}/ with a trailing slash like without', () => {
      // Prepare
      const event = request('GET', '/orders/ord_x/');

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(501);
    });

    it('answers a valid POST /users 501', () => {
      // Prepare
      const event = request('POST', '/users', JSON.stringify({ email: 'grace@example.com', name: 'Grace Hopper' }));

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(501);
      expect(bodyOf(response).error).toBe('not_implemented');
    });

    it('answers POST /users without a name 400, naming the field', () => {
      // Prepare
      const event = request('POST', '/users', JSON.stringify({ email: 'grace@example.com' }));

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({ error: 'invalid_request', message: "/ must have required property 'name'" });
    });

    it('answers POST /users with an order body 400, validating against the user schema', () => {
      // Prepare
      const event = request('POST', '/users', fixture.body);

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).message).toContain("/ must have required property 'name'");
    });

    it('answers GET /users 405 with an Allow header listing POST', () => {
      // Prepare
      const event = request('GET', '/users');

      // Act
      const response = routeRequest(event);

      // Assess
      expect(response.statusCode).toBe(405);
      expect(response.headers?.Allow).toBe('POST');
    });
  });
});

describe('Function: routeRequest checks formats API Gateway does not', () => {
  it('refuses an email address the event schema would refuse', () => {
    const response = routeRequest(
      request('POST', '/orders', JSON.stringify({ ...orderBody(), email: 'not-an-email' })),
    );
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).message).toMatch(/\/email must match format "email"/);
  });
});
