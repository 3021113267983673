/**
 * Powertools Logger, Metrics and Tracer, named from lib/runtime-contract.ts. Locally one process
 * hosts every service, so loggers and metrics are made per service; the tracer is one per process
 * because AWS SDK clients are captured once, where they are created.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS, TRACE_ANNOTATIONS } from '../../lib/runtime-contract';
import type { ServiceName } from '../../lib/topology';

/**
 * Off outside Lambda (no AWS_EXECUTION_ENV, so no X-Ray daemon to talk to) without a word. The only
 * HTTP the functions make is AWS SDK calls, traced per client: no global HTTP patching.
 */
export const tracer = new Tracer({ captureHTTPsRequests: false });

export interface Instruments {
  readonly service: ServiceName;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

export function instrumentsFor(service: ServiceName): Instruments {
  return {
    service,
    logger: new Logger({ serviceName: service }),
    metrics: new Metrics({
      namespace: METRICS.namespace,
      serviceName: service,
      defaultDimensions: { [METRICS.serviceDimension]: service },
    }),
    tracer,
  };
}

/** Writes the EMF line of what was recorded; nothing when nothing was (Powertools would warn). */
export function flushMetrics(metrics: Metrics): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/**
 * Runs `work` in its own X-Ray subsegment, as Powertools' captureLambdaHandler does for a handler:
 * annotated, the error kept as metadata. Records run concurrently, so the subsegment is made the
 * current one in a context of its own (the X-Ray SDK's namespace in automatic mode, as on Lambda):
 * the SDK calls made by `work` nest under it, and no other record's do.
 */
export async function inSubsegment<T>(
  service: string,
  name: string,
  annotations: Readonly<Record<string, string | undefined>>,
  work: () => Promise<T>,
): Promise<T> {
  if (!tracer.isTracingEnabled()) return work();
  const run = async () => {
    const parent = tracer.getSegment();
    const subsegment = parent?.addNewSubsegment(name);
    if (subsegment) tracer.setSegment(subsegment);
    tracer.putAnnotation(TRACE_ANNOTATIONS.service, service);
    for (const [key, value] of Object.entries(annotations)) {
      if (value !== undefined) tracer.putAnnotation(key, value);
    }
    try {
      return await work();
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      subsegment?.close();
      if (parent) tracer.setSegment(parent);
    }
  };
  // Manual mode has no context to fork (and creating the namespace would hook every promise).
  if (process.env.AWS_XRAY_MANUAL_MODE) return run();
  return tracer.provider.getNamespace().runPromise(run) as Promise<T>;
}
