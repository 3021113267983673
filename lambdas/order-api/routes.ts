/**
 * Routing, validation and the answers of the order API, behind injected dependencies so it can be
 * tested with real API Gateway proxy events against a real DynamoDB API. Every row of the design's
 * bad-input table is answered here: 400 naming the field, 413, 415, 404, 405, 409, 422, 503.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as generated from '#event-validators';
import {
  type ApiOperation,
  type ApiResource,
  type ApiRoute,
  apiResources,
  pathParameterNames,
  pathPattern,
  routeKey,
} from '../../lib/api-routes';
import type { RequestSchemaName } from '../../lib/schema-files';
import { describe, type GeneratedError } from '../shared/events/validation';
import { PublishError } from '../shared/kafka/publisher';
import { callerOf } from './caller';
import type { OrderApiDeps } from './deps';
import { header, problem } from './http';
import { type CreateOrderRequest, createOrder, getOrder } from './orders';
import { type RegisterUserRequest, registerUser } from './users';
import { firstLoneSurrogate } from './well-formed';

/** An Idempotency-Key and the caller it belongs to. */
interface KeyedRequest {
  readonly caller: string;
  readonly key: string;
}

/** Largest body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Idempotency-Key values: printable ASCII, as HTTP header values usually are, up to 128 characters. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

// Compiled ahead of time from the same schema files API Gateway builds its request models from. API
// Gateway does not check `format`; these do, so the edge refuses what the events would refuse.
interface ValidateFunction {
  (data: unknown): boolean;
  errors?: GeneratedError[] | null;
}
const validators = generated as unknown as Record<RequestSchemaName, ValidateFunction>;

/** Answers one route's requests; `params` are its path parameters, decoded. */
type Handler = (
  event: APIGatewayProxyEvent,
  params: Readonly<Record<string, string>>,
  deps: OrderApiDeps,
  route: ApiRoute<ApiOperation>,
  context?: Context,
) => Promise<APIGatewayProxyResult>;

/** One handler per operation of lib/api-routes.ts: a route without one does not compile. */
const HANDLERS: Readonly<Record<ApiOperation, Handler>> = {
  createOrder: (event, _params, deps, route, context) =>
    withBody<CreateOrderRequest>(event, route, deps, context, (body, correlationId, keyed) =>
      createOrder(body, correlationId, deps, keyed),
    ),
  getOrder: (_event, { orderId }, deps) => getOrder(orderId ?? '', deps),
  registerUser: (event, _params, deps, route, context) =>
    withBody<RegisterUserRequest>(event, route, deps, context, (body, correlationId) =>
      registerUser(body, correlationId, deps),
    ),
};

/** Each resource of the API with the pattern its paths match and the names of what it captures. */
const RESOURCES = apiResources().map((resource) => ({
  ...resource,
  pattern: pathPattern(resource.path),
  parameters: pathParameterNames(resource.path),
}));

/** The resource a request path (trailing slashes aside) names, and its path parameters as the client encoded them. */
export function matchResource(
  rawPath: string,
): { readonly resource: ApiResource; readonly rawParams: Readonly<Record<string, string>> } | undefined {
  const path = trimmedPath(rawPath);
  for (const resource of RESOURCES) {
    const match = resource.pattern.exec(path);
    if (!match) continue;
    const rawParams = Object.fromEntries(resource.parameters.map((name, i) => [name, match[i + 1] as string]));
    return { resource, rawParams };
  }
  return undefined;
}

function trimmedPath(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

export async function routeRequest(
  event: APIGatewayProxyEvent,
  deps: OrderApiDeps,
  context?: Context,
): Promise<APIGatewayProxyResult> {
  const path = trimmedPath(event.path);
  const matched = matchResource(path);
  if (matched) {
    const route = matched.resource.routes.find((r) => r.method === event.httpMethod);
    if (!route) {
      return problem(405, 'method_not_allowed', `${event.httpMethod} is not allowed on ${path}`, {
        Allow: matched.resource.routes.map((r) => r.method).join(', '),
      });
    }
    let params: Record<string, string>;
    try {
      params = Object.fromEntries(
        Object.entries(matched.rawParams).map(([name, value]) => [name, decodeURIComponent(value)]),
      );
    } catch {
      return problem(400, 'invalid_request', `the path ${path} is not valid percent-encoding`);
    }
    try {
      return await HANDLERS[route.operation](event, params, deps, route, context);
    } catch (error) {
      if (error instanceof PublishError) {
        deps.logger.error('publish failed', { reason: error.message });
        return problem(503, 'unavailable', 'the event log is unreachable; nothing was recorded, retry later', {
          'Retry-After': '5',
        });
      }
      throw error;
    }
  }
  return problem(404, 'not_found', `no route for ${event.httpMethod} ${path}`);
}

/** A route's JSON body, checked against its request model, then answered (once per Idempotency-Key). */
async function withBody<T>(
  event: APIGatewayProxyEvent,
  route: ApiRoute,
  deps: OrderApiDeps,
  context: Context | undefined,
  respond: (body: T, correlationId: string, keyed?: KeyedRequest) => Promise<APIGatewayProxyResult>,
): Promise<APIGatewayProxyResult> {
  if (!route.bodyModel) throw new Error(`${routeKey(route)} has no request model (lib/api-routes.ts)`);
  const validate = validators[route.bodyModel];
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    return problem(415, 'unsupported_media_type', 'send the body as application/json');
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : Buffer.from(event.body ?? '', 'utf8');
  if (raw.length > MAX_BODY_BYTES) {
    return problem(413, 'payload_too_large', `the body is over ${MAX_BODY_BYTES} bytes`);
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return problem(400, 'malformed_json', 'the body is not valid JSON');
  }
  if (!validate(body)) {
    return problem(400, 'invalid_request', describe(validate.errors));
  }
  const malformed = firstLoneSurrogate(body);
  if (malformed !== undefined) {
    return problem(400, 'invalid_request', `${malformed} is not well-formed Unicode (it holds a lone surrogate)`);
  }
  const correlationId = correlationIdOf(event, deps);
  const key = header(event, 'idempotency-key');
  if (key === undefined) return respond(body as T, correlationId);
  if (!IDEMPOTENCY_KEY.test(key)) {
    return problem(400, 'invalid_request', 'Idempotency-Key must be 1 to 128 printable ASCII characters');
  }
  const caller = callerOf(event.requestContext?.identity);
  if (caller === undefined) {
    // Behind AWS_IAM this cannot happen; if it does, the deployment is wrong, not the request, and
    // a key without a caller would be shared by everyone: a 5xx that the API's alarm reports.
    deps.logger.error('no caller identity', {
      reason: 'requestContext.identity has neither userArn nor cognitoIdentityId',
      fix: 'require AWS_IAM authorization on the API method (lib/stacks/api-stack.ts)',
    });
    return problem(
      500,
      'caller_unknown',
      'the request reached the order API without a caller identity, so its Idempotency-Key has no owner; nothing was recorded. This is a fault of the deployment (every API method must require IAM authorization), not of the request',
    );
  }
  const keyed: KeyedRequest = { caller, key };
  const outcome = await deps.requestIdempotency.run(
    { route: routeKey(route), caller, key },
    body,
    () => respond(body as T, correlationId, keyed),
    context,
  );
  switch (outcome.kind) {
    case 'response':
      return outcome.response;
    case 'conflict':
      return problem(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different body');
    case 'in-progress':
      return problem(409, 'request_in_progress', 'a request with this Idempotency-Key is still being processed', {
        'Retry-After': '1',
      });
  }
}

function correlationIdOf(event: APIGatewayProxyEvent, deps: OrderApiDeps): string {
  return requestCorrelationId(event) ?? deps.newCorrelationId();
}

/** A caller may pass its own correlation id; otherwise the API Gateway request id starts one. */
export function requestCorrelationId(event: APIGatewayProxyEvent): string | undefined {
  const given = header(event, 'x-correlation-id');
  if (given && /^[\x21-\x7e]{1,128}$/.test(given)) return given;
  return event.requestContext?.requestId || undefined;
}
