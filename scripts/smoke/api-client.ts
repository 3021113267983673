/**
 * How the smoke test talks to the order API: plain HTTP locally, SigV4-signed on AWS (the deployed
 * API authorizes every method with IAM), signed by the SDK's own signer, never by hand.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** Credentials, or a provider of them, as the signer takes them. */
export type SigningCredentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface ApiClient {
  /** The API's base URL, ending in `/` (the stage URL on AWS). */
  readonly base: string;
  request(method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
}

/** The API as `npm start` serves it: no signature (the local emulator does not check one). */
export function plainApiClient(base: string): ApiClient {
  const root = withSlash(base);
  return {
    base: root,
    async request(method, path, body, headers = {}) {
      const response = await fetch(new URL(path, root), {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await bodyOf(response) };
    },
  };
}

/**
 * The deployed API, each request signed with Signature Version 4 for `execute-api` in the API's
 * region with the caller's credentials, as `curl --aws-sigv4` does.
 */
export function signedApiClient(base: string, region: string, credentials: SigningCredentials): ApiClient {
  const root = withSlash(base);
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  return {
    base: root,
    async request(method, path, body, headers = {}) {
      const url = new URL(path, root);
      const text = body === undefined ? undefined : JSON.stringify(body);
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: {
          host: url.host,
          ...(text === undefined ? {} : { 'content-type': 'application/json' }),
          ...lowerCased(headers),
        },
        ...(text === undefined ? {} : { body: text }),
      });
      const response = await fetch(url, {
        method,
        headers: signed.headers,
        ...(text === undefined ? {} : { body: text }),
      });
      return { status: response.status, body: await bodyOf(response) };
    },
  };
}

function withSlash(base: string): string {
  return base.endsWith('/') ? base : `${base}/`;
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}
