/**
 * The order API's routes, in one place: the REST API's resources, methods and request models
 * (lib/stacks/api-stack.ts), the API Gateway emulator's routing and validation
 * (local/api-gateway-routes.ts) and the function's own router (lambdas/order-api/routes.ts) all
 * read this table. Plain data with no CDK import, so the function's bundle can carry it.
 */
import type { RequestSchemaName } from './schema-files';

export type HttpMethod = 'GET' | 'POST';

export interface ApiRoute<Operation extends string = string> {
  /** What the router calls for it; the router must have a handler for every operation. */
  readonly operation: Operation;
  readonly method: HttpMethod;
  /** API Gateway's resource path template, e.g. `/orders/{orderId}`: the proxy event's `resource`. */
  readonly path: string;
  /** The request model its `application/json` body must match, checked by API Gateway before the function runs. */
  readonly bodyModel?: RequestSchemaName;
}

/** The content type request models are registered and checked under. */
export const MODEL_CONTENT_TYPE = 'application/json';

/** In the order the stack adds them (the deployment's hash follows it). */
export const API_ROUTES = [
  { operation: 'createOrder', method: 'POST', path: '/orders', bodyModel: 'CreateOrderRequest' },
  { operation: 'getOrder', method: 'GET', path: '/orders/{orderId}' },
  { operation: 'registerUser', method: 'POST', path: '/users', bodyModel: 'RegisterUserRequest' },
] as const satisfies readonly ApiRoute[];

export type ApiOperation = (typeof API_ROUTES)[number]['operation'];

export function apiRoute(operation: ApiOperation): ApiRoute<ApiOperation> {
  return API_ROUTES.find((route) => route.operation === operation) as ApiRoute<ApiOperation>;
}

/** `POST /orders`: how a route is named in logs and in the scope of an Idempotency-Key. */
export function routeKey(route: ApiRoute): string {
  return `${route.method} ${route.path}`;
}

/** The names of a path template's `{name}` parameters, in order. */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([^}+]+)\}/g)].map((match) => match[1] as string);
}

/**
 * A pattern that matches a request path (trailing slashes removed) against a path template and
 * captures each parameter's segment as the client encoded it: `/orders/{orderId}` is `^/orders/([^/]+)$`.
 */
export function pathPattern(path: string): RegExp {
  const segments = path
    .split('/')
    .map((segment) => (/^\{[^}+]+\}$/.test(segment) ? '([^/]+)' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('\\/')}$`);
}

/** A resource path and the routes on it, grouped in the table's order. */
export interface ApiResource {
  readonly path: string;
  readonly routes: readonly ApiRoute<ApiOperation>[];
}

export function apiResources(): ApiResource[] {
  const byPath = new Map<string, ApiRoute<ApiOperation>[]>();
  for (const route of API_ROUTES) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route]);
  return [...byPath].map(([path, routes]) => ({ path, routes }));
}
