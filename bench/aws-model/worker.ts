/**
 * One function's execution environment for the AWS model (a child process of bench/aws-model/run.ts,
 * which sets the environment the CDK stack sets, plus the local endpoints). It loads the function's
 * handler module, wraps the remote calls of the function's own clients (remote-calls.ts) and runs
 * each invocation it is sent as the Lambda runtime would: the event parsed from JSON, a fresh
 * context and trace header, the response serialised. It reports the invocation's wall time and its
 * CPU time (this process only: dynalite and the broker run elsewhere) and the calls it made.
 *
 * Counters are per process: the model sends one invocation at a time, except for order-api, whose
 * figures it does not use.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Context } from 'aws-lambda';
import { dynamoClient } from '../../lambdas/shared/aws-clients';
import { sharedProducer } from '../../lambdas/shared/kafka/kafka-handler';
import { tracer } from '../../lambdas/shared/observability';
import { SERVICE_SPECS, type ServiceName, TOPICS } from '../../lib/topology';
import { functionArn, lambdaContext } from '../../local/esm/invoke';
import { type InvokeReply, type InvokeRequest, WORKER_SERVICE_ENV, type WorkerMessage } from './protocol';
import { RemoteCallModel } from './remote-calls';

const REPO_ROOT = resolve(__dirname, '..', '..');

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const deadLetterTopics = new Set(TOPICS.filter((t) => t.deadLetter).map((t) => t.name));

/** Lambda's trace header for an invocation; unsampled, as most are under X-Ray's default rule. */
function traceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const service = process.env[WORKER_SERVICE_ENV] as ServiceName | undefined;
  if (!service || !(service in SERVICE_SPECS)) {
    throw new Error(`${WORKER_SERVICE_ENV} must name a service of lib/topology.ts, got "${service}"`);
  }
  const spec = SERVICE_SPECS[service];
  const model = new RemoteCallModel();
  // The same clients the handler module gets: both are created once per process. Wrapped before
  // the first call, since the DynamoDB client caches its middleware stack (lambdas/shared/aws-clients.ts).
  model.instrumentDynamo(dynamoClient());
  model.instrumentKafka(sharedProducer(service), (topic) => deadLetterTopics.has(topic));
  if (spec.notifies) {
    const { sharedSnsClient } = await import('../../lambdas/notification/sns-notifier');
    model.instrumentSns(sharedSnsClient());
  }
  // Loaded after the clients are wrapped, as Lambda loads it once per execution environment.
  const module = require(join(REPO_ROOT, spec.entry.replace(/\.ts$/, ''))) as { handler: Handler };
  const config = {
    functionName: `model-${service}`,
    functionArn: functionArn(`model-${service}`),
    memoryMb: spec.memoryMb,
    timeoutSeconds: spec.timeoutSeconds,
  };
  const timerLatenessMs = await model.timerLateness();

  process.on('message', (request: InvokeRequest) => {
    void invoke(request).then(send);
  });
  // The producer's connection would keep the process alive after the model is done with it.
  process.on('disconnect', () => process.exit(0));

  async function invoke(request: InvokeRequest): Promise<InvokeReply> {
    model.use(request.latency ?? undefined);
    model.take();
    const requestId = `${randomBytes(4).toString('hex')}-model-${request.id}`;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    try {
      process.env._X_AMZN_TRACE_ID = traceHeader();
      const context = lambdaContext(config, requestId, Date.now() + config.timeoutSeconds * 1000);
      const result = await module.handler(JSON.parse(request.event), context);
      const response = JSON.stringify(result ?? null);
      const wallMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const { counts, padding, waits } = model.take();
      return { id: request.id, ok: true, wallMs, cpuMs, waits, response, counts, padding };
    } catch (error) {
      return {
        id: request.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      };
    }
  }

  send({
    kind: 'ready',
    timerLatenessMs,
    tracingEnabled: tracer.isTracingEnabled(),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `aws-model worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
