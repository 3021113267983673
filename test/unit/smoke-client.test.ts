/**
 * The smoke test's side of the deployed API: requests signed with SigV4 by the SDK's signer, checked
 * here by recomputing the signature the way API Gateway does (AWS's published algorithm, written
 * out independently of the signer), and the smoke CLI's arguments.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSmokeArgs } from '../../scripts/smoke';
import { signedApiClient } from '../../scripts/smoke/api-client';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN',
};

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** The signature API Gateway expects for this request (Signature Version 4, execute-api). */
function expectedSignature(request: Received, secret: string): { signature: string; scope: string[] } {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
    request.headers.authorization ?? '',
  );
  if (!auth) throw new Error(`not a SigV4 Authorization header: ${request.headers.authorization}`);
  const [, credential = '', signedHeaders = ''] = auth;
  const scope = credential.split('/').slice(1);
  const amzDate = request.headers['x-amz-date'] as string;
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${String(request.headers[name]).trim()}\n`)
    .join('');
  const canonicalRequest = [
    request.method,
    request.path,
    '',
    canonicalHeaders,
    signedHeaders,
    sha256(request.body),
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope.join('/'), sha256(canonicalRequest)].join('\n');
  const [date = '', region = '', service = ''] = scope;
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  return { signature: createHmac('sha256', key).update(stringToSign).digest('hex'), scope };
}

describe('Function: signedApiClient', () => {
  let server: Server;
  let base: string;
  const received: Received[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(req.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ orderId: 'ord_01JD9X4M2Q7B8C3N5P6R7S8T9V', status: 'PENDING' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // The stage URL, as the ApiEndpoint output gives it.
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dev/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
  });

  it('signs a POST for execute-api in the API’s region, body and session token included', async () => {
    // Act
    const answer = await signedApiClient(base, 'eu-west-1', CREDENTIALS).request(
      'POST',
      'orders',
      { customerId: 'c-42' },
      { 'Idempotency-Key': 'smoke-1' },
    );

    // Assess
    expect(answer).toEqual({ status: 202, body: { orderId: 'ord_01JD9X4M2Q7B8C3N5P6R7S8T9V', status: 'PENDING' } });
    const [request] = received;
    if (!request) throw new Error('nothing reached the server');
    expect(request.path).toBe('/dev/orders');
    expect(request.body).toBe('{"customerId":"c-42"}');
    expect(request.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    expect(request.headers['idempotency-key']).toBe('smoke-1');
    const { signature, scope } = expectedSignature(request, CREDENTIALS.secretAccessKey);
    expect(scope.slice(1)).toEqual(['eu-west-1', 'execute-api', 'aws4_request']);
    expect(request.headers.authorization).toContain(
      `Credential=AKIDEXAMPLE/${scope[0]}/eu-west-1/execute-api/aws4_request`,
    );
    expect(request.headers.authorization).toMatch(
      /SignedHeaders=content-type;host;idempotency-key;x-amz-content-sha256;x-amz-date;x-amz-security-token,/,
    );
    expect(request.headers.authorization).toContain(`Signature=${signature}`);
  });

  it('signs a GET with no body, and a signature that would not fit another secret', async () => {
    // Act
    await signedApiClient(base, 'us-east-1', CREDENTIALS).request('GET', 'orders/ord_01JD9X4M2Q7B8C3N5P6R7S8T9V');

    // Assess
    const [request] = received;
    if (!request) throw new Error('nothing reached the server');
    expect(request.path).toBe('/dev/orders/ord_01JD9X4M2Q7B8C3N5P6R7S8T9V');
    const { signature, scope } = expectedSignature(request, CREDENTIALS.secretAccessKey);
    expect(scope[1]).toBe('us-east-1');
    expect(request.headers.authorization).toContain(`Signature=${signature}`);
    expect(request.headers.authorization).not.toContain(`Signature=${expectedSignature(request, 'other').signature}`);
  });
});

describe('Function: parseSmokeArgs', () => {
  it('targets a deployment with --profile, checking dead letters unless told not to', () => {
    expect(parseSmokeArgs(['--profile', 'prod', '--aws-profile', 'ops'])).toEqual({
      mode: 'aws',
      profile: 'prod',
      awsProfile: 'ops',
      timeoutSeconds: 180,
      checkDeadLetters: true,
    });
    expect(parseSmokeArgs(['--profile', 'dev', '--no-dlq-check', '--timeout', '90'])).toMatchObject({
      checkDeadLetters: false,
      timeoutSeconds: 90,
    });
  });

  it('targets npm start with --local, on the ports it was started with', () => {
    expect(parseSmokeArgs(['--local'], { PORT: '3100', KAFKA_PORT: '9192' })).toEqual({
      mode: 'local',
      url: 'http://127.0.0.1:3100',
      kafka: '127.0.0.1:9192',
      timeoutSeconds: 60,
      checkDeadLetters: true,
    });
  });

  it.each([
    [[], 'pass either --profile <name> (a deployment) or --local (npm start)'],
    [['--local', '--profile', 'dev'], 'pass either --profile'],
    [['--local', '--timeout', 'soon'], '--timeout must be a number of seconds above 0, not "soon"'],
    [['--local', '--verbose'], 'unknown argument --verbose'],
  ])('refuses %p, saying why', (argv, problem) => {
    expect(() => parseSmokeArgs(argv, {})).toThrow(problem);
  });
});
