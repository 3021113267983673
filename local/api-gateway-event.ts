/**
 * Builds the REST API (v1) Lambda proxy event from an HTTP request, field for field as API Gateway
 * does (test/fixtures/apigw-proxy-event.json is a real one).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { LocalPrincipal } from './api-gateway-identity';

/** What the emulator read from one HTTP request. */
export interface HttpRequestInfo {
  readonly httpMethod: string;
  /** The request path as the client encoded it, without the stage prefix. */
  readonly path: string;
  /** What followed the `?`, if anything. */
  readonly rawQuery: string;
  /** Node's `rawHeaders`: names in the client's casing, then values, duplicates kept. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly localPort: number;
  readonly httpVersion: string;
  readonly received: Date;
  readonly requestId: string;
  /** Who signed the request, as ./api-gateway-identity.ts reads it. */
  readonly principal: LocalPrincipal;
}

export interface EventRoute {
  readonly resource: string;
  readonly pathParameters: Readonly<Record<string, string>> | null;
  readonly stage: string;
  /** Used for `domainName` when the request has no Host header (HTTP/1.0). */
  readonly fallbackHost: string;
}

export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_API_ID = 'local';

/**
 * Headers API Gateway does not hand to the integration: hop-by-hop ones, and Content-Length (a real
 * REST proxy event has none, the body is complete).
 */
const DROPPED_HEADERS = new Set([
  'connection',
  'content-length',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export function buildProxyEvent(request: HttpRequestInfo, route: EventRoute): APIGatewayProxyEvent {
  const headers = forwardedHeaders(request);
  const single = lastValues(headers);
  const query = queryParameters(request.rawQuery);
  const body = encodeBody(request.body, headerValue(headers, 'content-type'));
  const domainName = (headerValue(headers, 'host') ?? route.fallbackHost).replace(/:\d+$/, '');
  // Keys in the order of a real event, so a logged local event reads like one from AWS.
  return {
    resource: route.resource,
    path: request.path,
    httpMethod: request.httpMethod,
    headers: single,
    multiValueHeaders: Object.fromEntries(headers),
    queryStringParameters: query ? lastValues(query) : null,
    multiValueQueryStringParameters: query ? Object.fromEntries(query) : null,
    pathParameters: route.pathParameters ? { ...route.pathParameters } : null,
    stageVariables: null,
    requestContext: {
      resourceId: resourceIdOf(route.resource),
      resourcePath: route.resource,
      httpMethod: request.httpMethod,
      extendedRequestId: randomBytes(11).toString('base64'),
      requestTime: apiGatewayTime(request.received),
      path: `/${route.stage}${request.path}`,
      accountId: LOCAL_ACCOUNT_ID,
      protocol: `HTTP/${request.httpVersion}`,
      stage: route.stage,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      requestTimeEpoch: request.received.getTime(),
      requestId: request.requestId,
      // The fields AWS fills for an IAM user's signed request, with the local stand-in's values.
      identity: {
        cognitoIdentityPoolId: null,
        accountId: request.principal.accountId,
        cognitoIdentityId: null,
        caller: request.principal.caller,
        sourceIp: request.sourceIp,
        principalOrgId: null,
        accessKey: request.principal.accessKey,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: request.principal.userArn,
        userAgent: headerValue(headers, 'user-agent') ?? null,
        user: request.principal.caller,
        apiKey: null,
        apiKeyId: null,
        clientCert: null,
      },
      domainName,
      apiId: LOCAL_API_ID,
      authorizer: null,
    },
    body: body.body,
    isBase64Encoded: body.isBase64Encoded,
  };
}

/**
 * The request's headers in the client's casing (the first casing seen names a header sent twice),
 * every value kept, plus the X-Forwarded-* and X-Amzn-Trace-Id headers API Gateway adds.
 */
export function forwardedHeaders(request: HttpRequestInfo): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i] as string;
    if (DROPPED_HEADERS.has(name.toLowerCase())) continue;
    appendHeader(headers, name, request.rawHeaders[i + 1] as string);
  }
  const forwardedFor = headerValues(headers, 'x-forwarded-for');
  setHeader(headers, 'X-Forwarded-For', [...forwardedFor, request.sourceIp].join(', '));
  setHeader(headers, 'X-Forwarded-Port', String(request.localPort));
  setHeader(headers, 'X-Forwarded-Proto', 'http');
  if (headerValues(headers, 'x-amzn-trace-id').length === 0) {
    setHeader(headers, 'X-Amzn-Trace-Id', traceId(request.received));
  }
  return headers;
}

function findName(headers: Map<string, string[]>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const key of headers.keys()) if (key.toLowerCase() === wanted) return key;
  return undefined;
}

function appendHeader(headers: Map<string, string[]>, name: string, value: string): void {
  const key = findName(headers, name) ?? name;
  headers.set(key, [...(headers.get(key) ?? []), value]);
}

function setHeader(headers: Map<string, string[]>, name: string, value: string): void {
  headers.set(findName(headers, name) ?? name, [value]);
}

function headerValues(headers: Map<string, string[]>, name: string): string[] {
  const key = findName(headers, name);
  return key === undefined ? [] : (headers.get(key) ?? []);
}

function headerValue(headers: Map<string, string[]>, name: string): string | undefined {
  return headerValues(headers, name).at(-1);
}

/** API Gateway's single-value maps keep the last value of a repeated name. */
function lastValues(values: Map<string, string[]>): Record<string, string> {
  return Object.fromEntries([...values].map(([key, list]) => [key, list.at(-1) ?? '']));
}

/**
 * Query string parameters, decoded as API Gateway decodes them (percent-escapes, and `+` as a space);
 * undefined when the request has none, which the event says with null.
 */
export function queryParameters(rawQuery: string): Map<string, string[]> | undefined {
  const query = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(rawQuery)) query.set(name, [...(query.get(name) ?? []), value]);
  return query.size > 0 ? query : undefined;
}

/** Media types whose bodies are text, passed as a string; anything else is passed base64 encoded. */
const TEXT_MEDIA_TYPE =
  /^(text\/[^;]+|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|[a-z]+\/[^;]+\+(json|xml))\s*(;|$)/i;

/**
 * The event's body: null when there is none, the text when the content is text (a text-like
 * Content-Type, or none, and valid UTF-8), otherwise base64 with isBase64Encoded.
 */
export function encodeBody(
  body: Buffer,
  contentType: string | undefined,
): { body: string | null; isBase64Encoded: boolean } {
  if (body.length === 0) return { body: null, isBase64Encoded: false };
  const textual = contentType === undefined || TEXT_MEDIA_TYPE.test(contentType.trim());
  if (textual) {
    try {
      return { body: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body), isBase64Encoded: false };
    } catch {
      // Not UTF-8 after all: only base64 carries these bytes intact.
    }
  }
  return { body: body.toString('base64'), isBase64Encoded: true };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `15/Jan/2025:10:00:00 +0000`, API Gateway's requestTime (always UTC). */
export function apiGatewayTime(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}

/** A stable six-character id per resource, shaped like API Gateway's resource ids. */
export function resourceIdOf(resource: string): string {
  const digest = createHash('sha256').update(resource).digest();
  return Array.from(digest.subarray(0, 6), (byte) => (byte % 36).toString(36)).join('');
}

/** An X-Ray trace header as API Gateway starts one: `Root=1-<epoch seconds, hex>-<96 random bits>`. */
function traceId(received: Date): string {
  const seconds = Math.floor(received.getTime() / 1000)
    .toString(16)
    .padStart(8, '0');
  return `Root=1-${seconds}-${randomBytes(12).toString('hex')}`;
}
