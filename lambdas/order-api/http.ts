/** Small helpers for API Gateway proxy (REST, v1) responses and requests. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function problem(
  statusCode: number,
  error: string,
  message: string,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return json(statusCode, { error, message }, headers);
}

/** Header lookup is case-insensitive, as HTTP says, whatever casing API Gateway passes on. */
export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const found = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return found?.[1] ?? undefined;
}
