/**
 * Powertools Logger, Metrics and Tracer, named from lib/runtime-contract.ts. Locally one process
 * hosts every service, so loggers and metrics are made per service; the tracer is one per process
 * because AWS SDK clients are captured once, where they are created.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { ENV, METRICS, TRACE_ANNOTATIONS } from '../../lib/runtime-contract';
import type { ServiceName } from '../../lib/topology';

/** What the functions use of Powertools Tracer. */
export type Tracing = Pick<
  Tracer,
  | 'isTracingEnabled'
  | 'captureAWSv3Client'
  | 'annotateColdStart'
  | 'putAnnotation'
  | 'getSegment'
  | 'setSegment'
  | 'addErrorAsMetadata'
> & {
  /**
   * Runs `work` in an async context of its own, so a segment made current inside it stays inside:
   * records run concurrently, and each one's SDK calls must nest under its own subsegment.
   */
  inOwnContext<T>(work: () => Promise<T>): Promise<T>;
};

/**
 * Powertools Tracer's own rule (Tracer.setTracingEnabled): off when POWERTOOLS_TRACE_ENABLED is
 * "false", and outside a Lambda execution environment (no AWS_EXECUTION_ENV), under SAM local or the
 * Amplify mock. A test holds this copy to Powertools' answer.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env[ENV.powertoolsTraceEnabled] ?? '').trim().toLowerCase() === 'false') return false;
  const executionEnv = (env.AWS_EXECUTION_ENV ?? '').trim();
  return executionEnv !== '' && executionEnv !== 'AWS_Lambda_amplify-mock' && (env.AWS_SAM_LOCAL ?? '').trim() === '';
}

/** What Powertools Tracer does when tracing is off: nothing, and clients are returned as they are. */
const TRACING_OFF: Tracing = {
  isTracingEnabled: () => false,
  captureAWSv3Client: (client) => client,
  annotateColdStart: () => undefined,
  putAnnotation: () => undefined,
  getSegment: () => undefined,
  setSegment: () => undefined,
  addErrorAsMetadata: () => undefined,
  inOwnContext: (work) => work(),
};

/**
 * Powertools Tracer, required only when tracing is on: loading it loads the X-Ray SDK, whose
 * automatic mode puts an async hook on every promise of the process (docs/TUNING.md).
 */
function powertoolsTracer(): Tracing {
  const { createTracer } = require('./powertools-tracer') as typeof import('./powertools-tracer');
  return createTracer();
}

export const tracer: Tracing = tracingEnabled() ? powertoolsTracer() : TRACING_OFF;

export interface Instruments {
  readonly service: ServiceName;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracing;
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
 * current one in a context of its own: the SDK calls made by `work` nest under it, and no other
 * record's do.
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
  return tracer.inOwnContext(run);
}
