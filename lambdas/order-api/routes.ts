/**
 * Routing and request validation for the order API, pure so it can be tested with real API Gateway
 * proxy events. The JSON Schemas are the same files API Gateway builds its request models from.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { describe } from '../shared/events/validation';
import createOrderSchema from './schemas/CreateOrderRequest.schema.json';
import registerUserSchema from './schemas/RegisterUserRequest.schema.json';

/** Largest body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

// The request schemas are written in the draft-04 subset API Gateway understands; Ajv 8 reads them
// as draft-07 once the draft-04 `$schema` marker is dropped (the keywords used mean the same).
// API Gateway does not check `format`; this does, so the edge refuses what events would refuse.
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const compile = (schema: Record<string, unknown>): ValidateFunction => {
  const { $schema: _draft04, ...rest } = schema;
  return ajv.compile(rest);
};
const validators = {
  createOrder: compile(createOrderSchema),
  registerUser: compile(registerUserSchema),
};

interface Route {
  readonly pattern: RegExp;
  readonly methods: Readonly<Record<string, (event: APIGatewayProxyEvent, params: string[]) => APIGatewayProxyResult>>;
}

const ROUTES: readonly Route[] = [
  { pattern: /^\/orders$/, methods: { POST: (event) => withBody(event, validators.createOrder) } },
  { pattern: /^\/orders\/([^/]+)$/, methods: { GET: () => notYet('reading the order view') } },
  { pattern: /^\/users$/, methods: { POST: (event) => withBody(event, validators.registerUser) } },
];

export function routeRequest(event: APIGatewayProxyEvent): APIGatewayProxyResult {
  const path = event.path.length > 1 ? event.path.replace(/\/+$/, '') : event.path;
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    const method = route.methods[event.httpMethod];
    if (!method) {
      return json(
        405,
        { error: 'method_not_allowed', message: `${event.httpMethod} is not allowed on ${path}` },
        {
          Allow: Object.keys(route.methods).join(', '),
        },
      );
    }
    return method(event, match.slice(1));
  }
  return json(404, { error: 'not_found', message: `no route for ${event.httpMethod} ${path}` });
}

function withBody(event: APIGatewayProxyEvent, validate: ValidateFunction): APIGatewayProxyResult {
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    return json(415, { error: 'unsupported_media_type', message: 'send the body as application/json' });
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : Buffer.from(event.body ?? '', 'utf8');
  if (raw.length > MAX_BODY_BYTES) {
    return json(413, { error: 'payload_too_large', message: `the body is over ${MAX_BODY_BYTES} bytes` });
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return json(400, { error: 'malformed_json', message: 'the body is not valid JSON' });
  }
  if (!validate(body)) {
    return json(400, { error: 'invalid_request', message: describe(validate.errors) });
  }
  return notYet('publishing');
}

function notYet(what: string): APIGatewayProxyResult {
  return json(501, { error: 'not_implemented', message: `${what} is not built yet; the request itself is valid` });
}

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const found = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return found?.[1] ?? undefined;
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
