/**
 * Answers API Gateway gives itself, customised so a client sees one error shape whoever refused
 * its request: `{"error": "<code>", "message": "<what is wrong>"}`, the shape of the order-api
 * handler's own 400s (lambdas/order-api/http.ts). The API stack installs these as gateway
 * responses and the local API Gateway emulator renders the same templates. Plain data.
 */

/** The error code of a body that breaks its request schema: the handler's code for the same fault. */
export const INVALID_REQUEST = 'invalid_request';

/**
 * API Gateway's text for a failed request validation ("a string containing a detailed validation
 * error message"), available to gateway response templates, which substitute variables but run
 * no VTL: docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
 */
export const VALIDATION_ERROR_STRING = '$context.error.validationErrorString';

export interface GatewayResponseSpec {
  /** API Gateway's response type. */
  readonly type: 'BAD_REQUEST_BODY';
  readonly statusCode: number;
  readonly contentType: 'application/json';
  /** The body template: simple `$context` substitution only. */
  readonly template: string;
}

/** A body that fails the method's model (or is not JSON at all): 400 naming what failed. */
export const BAD_REQUEST_BODY: GatewayResponseSpec = {
  type: 'BAD_REQUEST_BODY',
  statusCode: 400,
  contentType: 'application/json',
  template: `{"error":"${INVALID_REQUEST}","message":"${VALIDATION_ERROR_STRING}"}`,
};

/**
 * Renders a gateway response template as API Gateway does: each variable replaced by its value,
 * nothing else evaluated. Values are inserted as given; the caller escapes them for the template's
 * format (for JSON: `jsonStringContent`).
 */
export function renderGatewayTemplate(template: string, variables: Readonly<Record<string, string>>): string {
  let body = template;
  for (const [name, value] of Object.entries(variables)) body = body.split(name).join(value);
  return body;
}

/** A string escaped to sit between the quotes of a JSON string. */
export function jsonStringContent(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
