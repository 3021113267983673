/**
 * How API Gateway picks a resource of the deployed REST API for a request path and checks a body
 * against a request model. The resources, methods and models are the stack's own (lib/api-routes.ts).
 * A required path parameter needs no check of its own: a request only reaches its method when the
 * template matched a non-empty segment.
 */

import type { GeneratedError } from '../lambdas/shared/events/validation';
import * as generated from '../lambdas/shared/events/validators.generated';
import { type ApiResource, type ApiRoute, apiResources, MODEL_CONTENT_TYPE } from '../lib/api-routes';
import type { RequestSchemaName } from '../lib/schema-files';

const API_RESOURCES = apiResources();

export type RouteMatch =
  | {
      readonly kind: 'found';
      readonly resource: ApiResource;
      readonly method: ApiRoute;
      readonly pathParameters: Readonly<Record<string, string>> | null;
    }
  | { readonly kind: 'method-not-allowed'; readonly resource: ApiResource; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found' };

/**
 * Matches a percent-encoded request path (stage already removed) against the resource templates. A
 * `{name}` segment takes one non-empty segment; where several templates match, the one with more
 * literal segments wins, as in API Gateway. One trailing slash is ignored.
 */
export function matchRoute(
  rawPath: string,
  httpMethod: string,
  resources: readonly ApiResource[] = API_RESOURCES,
): RouteMatch {
  const segments = splitPath(rawPath);
  let best: { resource: ApiResource; params: Record<string, string>; literals: number } | undefined;
  for (const resource of resources) {
    const matched = matchTemplate(splitPath(resource.path), segments);
    if (matched && (!best || matched.literals > best.literals)) best = { resource, ...matched };
  }
  if (!best) return { kind: 'not-found' };
  const method = best.resource.routes.find((route) => route.method === httpMethod);
  if (!method) {
    return { kind: 'method-not-allowed', resource: best.resource, allowed: best.resource.routes.map((r) => r.method) };
  }
  const pathParameters = Object.keys(best.params).length > 0 ? best.params : null;
  return { kind: 'found', resource: best.resource, method, pathParameters };
}

function splitPath(path: string): string[] {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.split('/').slice(1);
}

function matchTemplate(
  template: readonly string[],
  segments: readonly string[],
): { params: Record<string, string>; literals: number } | undefined {
  if (template.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  let literals = 0;
  for (const [index, part] of template.entries()) {
    const segment = segments[index] ?? '';
    const name = /^\{([^}+]+)\}$/.exec(part)?.[1];
    if (name !== undefined) {
      if (segment === '') return undefined;
      // The event carries path parameters decoded, while `path` stays as the client encoded it.
      params[name] = decodeSegment(segment);
    } else if (part === segment) {
      literals++;
    } else {
      return undefined;
    }
  }
  return { params, literals };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The media type of a Content-Type header, lowercased and without parameters such as charset. */
export function mediaType(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

/**
 * The model API Gateway validates this request's body against, if any: only a body of the model's
 * content type is checked, anything else goes through unchecked. A request without a Content-Type is
 * taken as `application/json`, API Gateway's default.
 */
export function modelFor(method: ApiRoute, contentType: string | undefined): RequestSchemaName | undefined {
  if (!method.bodyModel) return undefined;
  return (mediaType(contentType) ?? MODEL_CONTENT_TYPE) === MODEL_CONTENT_TYPE ? method.bodyModel : undefined;
}

interface ValidateFunction {
  (data: unknown): boolean;
  errors?: GeneratedError[] | null;
}

// The same compiled validators the handler uses, built from the same schema files as the stack's models.
const VALIDATORS = generated as unknown as Record<RequestSchemaName, ValidateFunction>;

/**
 * What is wrong with the body against the model, as API Gateway's request validator decides, or
 * undefined when it passes. API Gateway ignores `format`; the generated validators check it, but
 * they are compiled with `allErrors`, so a body whose only failures are `format` ones is one API
 * Gateway would let through (the two readings could part only under anyOf, oneOf or not, which the
 * request schemas do not use).
 *
 * The text names each failing field by its JSON pointer, in the words of the handler's own 400s
 * (plus the name of a property that is not allowed). It stands in for API Gateway's
 * `$context.error.validationErrorString`, whose wording AWS does not specify and which differs.
 */
export function modelViolation(model: RequestSchemaName, body: Buffer): string | undefined {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return body.length === 0 ? 'the body is empty; send a JSON object' : 'the body is not valid JSON (UTF-8)';
  }
  const validate = VALIDATORS[model];
  if (validate(data)) return undefined;
  const errors = (validate.errors ?? []).filter((error) => error.keyword !== 'format');
  if (errors.length === 0) return undefined;
  return errors.map(describeError).join('; ');
}

function describeError(error: GeneratedError): string {
  const at = error.instancePath || '/';
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  return `${at} ${error.message ?? 'is invalid'}${extra === undefined ? '' : ` (${extra})`}`;
}
