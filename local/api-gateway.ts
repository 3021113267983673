/**
 * The local stand-in for the deployed REST API (lib/stacks/api-stack.ts) in front of order-api: the
 * same resources and methods, the same request validation against the same schemas, API Gateway's
 * payload limit, a v1 Lambda proxy event as AWS builds it, and the Lambda proxy response mapped back
 * the way API Gateway maps it.
 *
 * Where it differs from AWS, on purpose:
 * - IAM (SigV4) signatures are not verified: there are no AWS credentials on a laptop to check one
 *   against. The access key id of a SigV4 signature names the caller in the event's identity, and
 *   an unsigned request is the local developer (./api-gateway-identity.ts); a signature missing
 *   its parts is refused 403, as on AWS. The Authorization header is passed on, as on AWS.
 * - An unknown resource answers 404 and a known resource with another method 405, as DESIGN.md
 *   section 8 asks. A real REST API with IAM auth answers both with 403 `Missing Authentication Token`.
 * - A handler that outlives its timeout gets 504 `Endpoint request timed out`. On AWS that answer
 *   comes at API Gateway's 29-second integration limit, while a function that hits its own, shorter
 *   timeout is a Lambda error (502). The handler is not frozen either: it runs on in the background.
 * - Bodies that are not text (a binary Content-Type, or bytes that are not UTF-8) reach the handler
 *   base64 encoded. The deployed API registers no binary media types, so AWS would pass them as text.
 * - A body its model refuses gets the stack's BAD_REQUEST_BODY response, `{"error":"invalid_request",
 *   "message":...}`, as on AWS; the message is this emulator's own text naming each failing field
 *   (local/api-gateway-routes.ts), where AWS puts its validation text.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS } from '../lib/function-settings';
import {
  BAD_REQUEST_BODY,
  jsonStringContent,
  renderGatewayTemplate,
  VALIDATION_ERROR_STRING,
} from '../lib/gateway-responses';
import { buildProxyEvent } from './api-gateway-event';
import { localPrincipalOf } from './api-gateway-identity';
import { matchRoute, modelFor, modelViolation } from './api-gateway-routes';
import { functionArn, lambdaContext } from './esm/invoke';
import type { FunctionObserver } from './function-observer';

export interface ApiGatewayEmulatorOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The stage name, e.g. `local`: in requestContext, and an optional first path segment. */
  readonly stage: string;
  readonly handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
  readonly functionName: string;
  readonly timeoutSeconds: number;
  /** The function's memory, for `context.memoryLimitInMB`; default 128, Lambda's default. */
  readonly memoryMb?: number;
  readonly log?: (line: string, fields?: Record<string, unknown>) => void;
  /** Told about every invocation of the function (the local Prometheus endpoint). */
  readonly observer?: FunctionObserver;
  /** Extra routes served before the API (GET /metrics, the console); return true when handled. */
  readonly extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
}

/** API Gateway's payload limit for REST APIs: 10 MB. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** API Gateway's integration timeout for REST APIs, whatever the function's own timeout. */
export const INTEGRATION_TIMEOUT_SECONDS = API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS;

interface Answer {
  readonly statusCode: number;
  /** Each name once, with every value it is sent with. */
  readonly headers: ReadonlyArray<readonly [string, string[]]>;
  readonly body: Buffer;
  /** Why the gateway answered instead of the function, for the log line. */
  readonly note?: string;
}

type Invocation =
  | { readonly kind: 'returned'; readonly value: unknown }
  | { readonly kind: 'threw'; readonly error: unknown }
  | { readonly kind: 'timed-out' };

export class ApiGatewayEmulator {
  private server?: Server;
  private stopping = false;

  constructor(private readonly options: ApiGatewayEmulatorOptions) {}

  async start(): Promise<{ url: string; port: number }> {
    if (this.server) throw new Error('the API Gateway emulator is already started');
    const host = this.options.host ?? '127.0.0.1';
    const server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.stopping = false;
    const { port } = server.address() as AddressInfo;
    return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port };
  }

  /** Stops listening and closes idle connections; resolves once in-flight requests are answered. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.stopping = true;
    await new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeIdleConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const [target = '/', rawQuery = ''] = splitOnce(req.url ?? '/', '?');
    const path = this.withoutStage(target);
    let answer: Answer;
    try {
      if (this.options.extraRoutes && (await this.options.extraRoutes(req, res))) return;
      answer = await this.answer(req, { method, path, rawQuery, requestId, received: new Date(started) });
    } catch (error) {
      answer = { ...gatewayError(500, 'Internal server error'), note: `emulator error: ${describe(error)}` };
    }
    this.send(res, answer, requestId);
    const ms = Date.now() - started;
    const note = answer.note ? ` (${answer.note})` : '';
    this.options.log?.(`${method} ${path} ${answer.statusCode} ${ms}ms${note}`, {
      method,
      path,
      status: answer.statusCode,
      ms,
      requestId,
      ...(answer.note ? { error: answer.note } : {}),
    });
  }

  private async answer(
    req: IncomingMessage,
    request: { method: string; path: string; rawQuery: string; requestId: string; received: Date },
  ): Promise<Answer> {
    const { body, tooLarge } = await readBody(req, MAX_PAYLOAD_BYTES);
    if (tooLarge) return gatewayError(413, 'Request Too Long');

    const route = matchRoute(request.path, request.method);
    if (route.kind === 'not-found') return gatewayError(404, `No resource matches ${request.path}`);
    if (route.kind === 'method-not-allowed') {
      return gatewayError(405, `${request.method} is not allowed on ${route.resource.path}`, {
        Allow: route.allowed.join(', '),
      });
    }

    // API Gateway authorizes the method before it validates the body.
    const signer = localPrincipalOf({
      header: (name) => header(req, name),
      query: new URLSearchParams(request.rawQuery),
    });
    if (signer.kind === 'refused') return { ...gatewayError(403, signer.message), note: 'signature refused' };

    const model = modelFor(route.method, header(req, 'content-type'));
    const violation = model ? modelViolation(model, body) : undefined;
    if (violation !== undefined) return badRequestBody(violation);

    const event = buildProxyEvent(
      {
        httpMethod: request.method,
        path: request.path,
        rawQuery: request.rawQuery,
        rawHeaders: req.rawHeaders,
        body,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        localPort: req.socket.localPort ?? this.options.port,
        httpVersion: req.httpVersion,
        received: request.received,
        requestId: request.requestId,
        principal: signer.principal,
      },
      {
        resource: route.resource.path,
        pathParameters: route.pathParameters,
        stage: this.options.stage,
        fallbackHost: this.options.host ?? '127.0.0.1',
      },
    );
    const outcome = await this.invoke(event);
    switch (outcome.kind) {
      case 'timed-out':
        return {
          ...gatewayError(504, 'Endpoint request timed out'),
          note: `no response within ${this.timeoutMs()}ms`,
        };
      case 'threw':
        return { ...gatewayError(502, 'Internal server error'), note: `handler threw: ${describe(outcome.error)}` };
      case 'returned':
        return proxyAnswer(outcome.value);
    }
  }

  /** One synchronous invocation, as the Lambda runtime makes it: a JSON copy of the event, a fresh context. */
  private async invoke(event: APIGatewayProxyEvent): Promise<Invocation> {
    const { functionName, timeoutSeconds } = this.options;
    const context = lambdaContext(
      {
        functionName,
        functionArn: functionArn(functionName),
        memoryMb: this.options.memoryMb ?? 128,
        timeoutSeconds,
      },
      randomUUID(),
      Date.now() + timeoutSeconds * 1000,
    );
    const payload = JSON.parse(JSON.stringify(event)) as APIGatewayProxyEvent;
    const run = Promise.resolve()
      .then(() => this.options.handler(payload, context))
      .then(
        (value): Invocation => ({ kind: 'returned', value }),
        (error: unknown): Invocation => ({ kind: 'threw', error }),
      );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Invocation>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timed-out' }), this.timeoutMs());
    });
    const started = Date.now();
    try {
      const invocation = await Promise.race([run, timeout]);
      // A malformed proxy response is API Gateway's 502, not a function error.
      this.options.observer?.invoked({
        durationMs: Date.now() - started,
        error: invocation.kind !== 'returned',
        retry: false,
      });
      return invocation;
    } finally {
      clearTimeout(timer);
    }
  }

  private timeoutMs(): number {
    return Math.min(this.options.timeoutSeconds, INTEGRATION_TIMEOUT_SECONDS) * 1000;
  }

  /** `/local/orders` reaches `/orders`, as the stage prefix of an execute-api URL does; `/orders` too. */
  private withoutStage(path: string): string {
    const prefix = `/${this.options.stage}`;
    if (path === prefix) return '/';
    return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path;
  }

  private send(res: ServerResponse, answer: Answer, requestId: string): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    res.statusCode = answer.statusCode;
    for (const [name, values] of answer.headers) res.setHeader(name, values);
    // API Gateway adds its own request id to every answer; it is also the event's requestId.
    res.setHeader('x-amzn-RequestId', requestId);
    if (this.stopping) res.setHeader('Connection', 'close');
    res.end(answer.body);
  }
}

/** A response API Gateway itself gives, with its `{"message": ...}` body. */
function gatewayError(statusCode: number, message: string, headers: Record<string, string> = {}): Answer {
  return {
    statusCode,
    headers: [
      ['Content-Type', ['application/json']],
      ...Object.entries(headers).map(([k, v]): [string, string[]] => [k, [v]]),
    ],
    body: Buffer.from(JSON.stringify({ message })),
  };
}

/** The API stack's BAD_REQUEST_BODY gateway response (lib/gateway-responses.ts), rendered as API Gateway does. */
function badRequestBody(violation: string): Answer {
  return {
    statusCode: BAD_REQUEST_BODY.statusCode,
    headers: [['Content-Type', [BAD_REQUEST_BODY.contentType]]],
    body: Buffer.from(
      renderGatewayTemplate(BAD_REQUEST_BODY.template, { [VALIDATION_ERROR_STRING]: jsonStringContent(violation) }),
    ),
  };
}

/**
 * Maps a Lambda proxy response back to HTTP as API Gateway does: `multiValueHeaders` and `headers`
 * merged (a name in both takes the multi-value list), Content-Type application/json unless given, a
 * base64 body decoded. Anything API Gateway cannot read is a malformed proxy response: 502.
 */
export function proxyAnswer(value: unknown): Answer {
  const malformed = (why: string): Answer => ({
    ...gatewayError(502, 'Internal server error'),
    note: `malformed Lambda proxy response: ${why}`,
  });
  let response: unknown;
  try {
    // Through JSON, as the Lambda runtime returns it.
    response = value === undefined ? null : JSON.parse(JSON.stringify(value));
  } catch (error) {
    return malformed(describe(error));
  }
  if (typeof response !== 'object' || response === null || Array.isArray(response)) return malformed('not an object');
  const { statusCode, headers, multiValueHeaders, body, isBase64Encoded } = response as Record<string, unknown>;
  const status = typeof statusCode === 'string' && /^\d+$/.test(statusCode) ? Number(statusCode) : statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    return malformed(`statusCode ${JSON.stringify(statusCode)}`);
  }
  if (body !== undefined && body !== null && typeof body !== 'string') return malformed('body is not a string');

  const merged = new Map<string, [string, string[]]>();
  const add = (name: string, values: unknown[]): void => {
    merged.set(name.toLowerCase(), [name, values.map(String)]);
  };
  if (isRecord(headers)) {
    for (const [name, single] of Object.entries(headers)) add(name, [single]);
  }
  if (isRecord(multiValueHeaders)) {
    for (const [name, list] of Object.entries(multiValueHeaders)) if (Array.isArray(list)) add(name, list);
  }
  if (!merged.has('content-type')) add('Content-Type', ['application/json']);
  try {
    for (const [name, values] of merged.values()) {
      validateHeaderName(name);
      for (const single of values) validateHeaderValue(name, single);
    }
  } catch (error) {
    return malformed(describe(error));
  }

  const text = body ?? '';
  return {
    statusCode: status,
    headers: [...merged.values()],
    body: isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
  };
}

/** The body, up to `limit` bytes; a longer one is read to its end and dropped, so the 413 can be sent. */
function readBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) chunks.length = 0;
      else chunks.push(chunk);
    });
    req.on('end', () =>
      resolve({ body: size > limit ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge: size > limit }),
    );
    req.on('error', reject);
    // A client that goes away mid-body ends the request without 'end' (settling twice is a no-op).
    req.on('close', () => reject(new Error('the client closed the connection before the body ended')));
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.at(-1) : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
