/**
 * The order API with Powertools around routeRequest: the request id, correlation id and order id on
 * every log line of the request (and gone before the next), a trace subsegment annotated with the
 * order id, and the API's own metrics: orders accepted, requests rejected by the answer's error code.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { LOG_KEYS, METRICS, metricUnit, TRACE_ANNOTATIONS } from '../../lib/runtime-contract';
import { invocationDeadlineOf, withinInvocationDeadline } from '../shared/invocation-deadline';
import { flushMetrics, type Instruments, inSubsegment } from '../shared/observability';
import type { OrderApiDeps } from './deps';
import { matchResource, requestCorrelationId, routeRequest } from './routes';

/** The reason recorded for a request that failed with an error instead of an answer (API Gateway sends 502). */
export const UNHANDLED_ERROR_REASON = 'internal_error';

export function apiHandler(
  deps: OrderApiDeps,
  instruments: Instruments,
): (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult> {
  const { logger, metrics, tracer, service } = instruments;
  return async (event, context) => {
    logger.addContext(context);
    const pathOrderId = matchResource(event.path)?.rawParams.orderId;
    const correlationId = requestCorrelationId(event);
    logger.appendKeys({
      [LOG_KEYS.requestId]: event.requestContext?.requestId,
      ...(correlationId ? { [LOG_KEYS.correlationId]: correlationId } : {}),
      ...(pathOrderId ? { [LOG_KEYS.orderId]: pathOrderId } : {}),
    });
    try {
      // No remote call after the invocation's deadline (../shared/invocation-deadline.ts).
      return await withinInvocationDeadline(invocationDeadlineOf(context), () =>
        inSubsegment(service, `## ${service}.handler`, { [TRACE_ANNOTATIONS.orderId]: pathOrderId }, async () => {
          tracer.annotateColdStart();
          let response: APIGatewayProxyResult;
          try {
            response = await routeRequest(event, deps, context);
          } catch (error) {
            rejected(UNHANDLED_ERROR_REASON);
            throw error;
          }
          const created = createdOrderId(event, response);
          if (created) {
            logger.appendKeys({ [LOG_KEYS.orderId]: created });
            tracer.putAnnotation(TRACE_ANNOTATIONS.orderId, created);
            metrics.addMetric(METRICS.ordersAccepted, metricUnit(METRICS.ordersAccepted), 1);
          }
          if (response.statusCode >= 400) rejected(errorCodeOf(response));
          logger.info('request', { method: event.httpMethod, path: event.path, status: response.statusCode });
          return response;
        }),
      );
    } finally {
      logger.removeKeys([LOG_KEYS.requestId, LOG_KEYS.correlationId, LOG_KEYS.orderId]);
      flushMetrics(metrics);
    }
  };

  function rejected(reason: string): void {
    // Its own EMF line: the reason dimension must not attach to the request's other metrics.
    metrics
      .singleMetric()
      .addDimension(METRICS.reasonDimension, reason)
      .addMetric(METRICS.requestsRejected, metricUnit(METRICS.requestsRejected), 1);
  }
}

function createdOrderId(event: APIGatewayProxyEvent, response: APIGatewayProxyResult): string | undefined {
  if (event.httpMethod !== 'POST' || response.statusCode !== 202) return undefined;
  const orderId = parseBody(response)?.orderId;
  return typeof orderId === 'string' ? orderId : undefined;
}

/** The `error` code every problem answer carries (a small, fixed set: fit for a dimension). */
function errorCodeOf(response: APIGatewayProxyResult): string {
  const error = parseBody(response)?.error;
  return typeof error === 'string' ? error : `http_${response.statusCode}`;
}

function parseBody(response: APIGatewayProxyResult): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(response.body);
    return body && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
