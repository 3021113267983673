/**
 * Powertools Tracer in a module of its own, which lambdas/shared/observability.ts requires only when
 * tracing is on. Imported here rather than required there, so the bundle takes the package's ES
 * module build and shares @aws-lambda-powertools/commons with Logger and Metrics.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

/** The only HTTP the functions make is AWS SDK calls, traced per client: no global HTTP patching. */
export function createTracer(): Tracer {
  return new Tracer({ captureHTTPsRequests: false });
}
