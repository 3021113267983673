/**
 * The caller the API Gateway emulator names in `requestContext.identity`. On AWS every method of the
 * API requires AWS_IAM: API Gateway verifies the SigV4 signature and names the signer. Locally there
 * are no IAM credentials to verify a signature against, so none is verified: the access key id is
 * read from the signature's Credential (`curl --aws-sigv4 ... --user KEY:SECRET`, or a presigned
 * URL's `X-Amz-Credential`) and stands for an IAM user of the local account, one caller per key id;
 * a request that is not signed is the local developer. A signature that is present but incomplete
 * is refused 403, as API Gateway refuses it, rather than quietly taken for someone else.
 */
import { createHash } from 'node:crypto';
import { LOCAL_ACCOUNT_ID } from './api-gateway-event';

/** The IAM user name of every request that is not signed. */
export const LOCAL_DEVELOPER = 'local-developer';

/** What the emulator puts in the identity fields AWS fills for an IAM user. */
export interface LocalPrincipal {
  /** The access key id the request was signed with; null when it was not signed. */
  readonly accessKey: string | null;
  readonly accountId: string;
  /** `arn:aws:iam::000000000000:user/<access key id, or local-developer>`. */
  readonly userArn: string;
  /** A stand-in for the IAM user's unique id (`AIDA...`), which AWS puts in `caller` and `user`. */
  readonly caller: string;
}

export type SignerOutcome =
  | { readonly kind: 'principal'; readonly principal: LocalPrincipal }
  | { readonly kind: 'refused'; readonly message: string };

/** What the signature is read from: the request's headers (any casing) and its query string. */
export interface SignedParts {
  readonly header: (name: string) => string | undefined;
  readonly query: URLSearchParams;
}

/** Access key ids as curl and the SDKs send them: IAM's are 16 to 128 word characters; any length here. */
const ACCESS_KEY_ID = /^\w{1,128}$/;
const SIGV4 = 'AWS4-HMAC-SHA256';

export function localPrincipalOf(request: SignedParts): SignerOutcome {
  const authorization = request.header('authorization');
  if (authorization !== undefined) return fromAuthorizationHeader(authorization, request);
  if (request.query.has('X-Amz-Credential') || request.query.has('X-Amz-Signature')) {
    return fromPresignedQuery(request.query);
  }
  return { kind: 'principal', principal: principalFor(null, LOCAL_DEVELOPER) };
}

/**
 * `AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/<service>/aws4_request, SignedHeaders=...,
 * Signature=...`. The refusal for missing parts is API Gateway's wording as clients quote it (AWS
 * documents no text; e.g. https://github.com/aws/chalice/issues/828), without the echo of the
 * header's value that AWS appends (it would put a client's token in the answer and in logs).
 */
function fromAuthorizationHeader(authorization: string, request: SignedParts): SignerOutcome {
  const [scheme = '', ...rest] = authorization.trim().split(/\s+/);
  const params = new Map<string, string>();
  if (scheme === SIGV4) {
    for (const part of rest.join(' ').split(',')) {
      const at = part.indexOf('=');
      if (at > 0) params.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
    }
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders']
    .filter((name) => !params.get(name))
    .map((name) => `Authorization header requires '${name}' parameter.`);
  if (request.header('x-amz-date') === undefined && request.header('date') === undefined) {
    missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (missing.length > 0) return { kind: 'refused', message: missing.join(' ') };
  return fromCredential(params.get('Credential') as string, 'Credential');
}

/** A presigned URL: the same parts as query parameters. */
function fromPresignedQuery(query: URLSearchParams): SignerOutcome {
  const missing = [
    'X-Amz-Algorithm',
    'X-Amz-Credential',
    'X-Amz-SignedHeaders',
    'X-Amz-Signature',
    'X-Amz-Date',
  ].filter((name) => !query.get(name));
  if (missing.length > 0) {
    return { kind: 'refused', message: `A presigned request requires ${missing.join(', ')} in the query string.` };
  }
  if (query.get('X-Amz-Algorithm') !== SIGV4) {
    return { kind: 'refused', message: `X-Amz-Algorithm must be ${SIGV4}.` };
  }
  return fromCredential(query.get('X-Amz-Credential') as string, 'X-Amz-Credential');
}

/** `<key id>/<yyyymmdd>/<region>/<service>/aws4_request`: only the key id is used, the rest only checked for shape. */
function fromCredential(credential: string, name: string): SignerOutcome {
  const parts = credential.split('/');
  const [keyId = ''] = parts;
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !ACCESS_KEY_ID.test(keyId)) {
    return {
      kind: 'refused',
      message: `${name} must be <access key id>/<yyyymmdd>/<region>/execute-api/aws4_request, as curl --aws-sigv4 and the AWS SDKs send it.`,
    };
  }
  return { kind: 'principal', principal: principalFor(keyId, keyId) };
}

function principalFor(accessKey: string | null, userName: string): LocalPrincipal {
  const userArn = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/${userName}`;
  return { accessKey, accountId: LOCAL_ACCOUNT_ID, userArn, caller: standInUniqueId(userArn) };
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `AIDA` and 17 characters, the shape of an IAM user's unique id; the same user always gets the same one. */
export function standInUniqueId(userArn: string): string {
  const digest = createHash('sha256').update(userArn).digest();
  let id = 'AIDA';
  for (let i = 0; i < 17; i++) id += BASE32.charAt((digest[i] as number) % 32);
  return id;
}
