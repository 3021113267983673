/**
 * Powertools Tracer in a module of its own, which lambdas/shared/observability.ts requires only when
 * tracing is on. Imported here rather than required there, so the bundle takes the package's ES
 * module build and shares @aws-lambda-powertools/commons with Logger and Metrics.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Tracing } from './observability';

/** The only HTTP the functions make is AWS SDK calls, traced per client: no global HTTP patching. */
export function createTracer(): Tracer & Tracing {
  const tracer = new Tracer({ captureHTTPsRequests: false });
  return Object.assign(tracer, {
    // The X-Ray SDK keeps the current segment in its cls-hooked namespace in automatic mode (as on
    // Lambda); a fresh context per record keeps concurrent records apart. Manual mode has none.
    inOwnContext: <T>(work: () => Promise<T>): Promise<T> =>
      process.env.AWS_XRAY_MANUAL_MODE ? work() : (tracer.provider.getNamespace().runPromise(work) as Promise<T>),
  });
}
