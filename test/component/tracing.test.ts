/**
 * Tracing as it runs in Lambda: the X-Ray SDK in Lambda mode (LAMBDA_TASK_ROOT, a trace header in
 * _X_AMZN_TRACE_ID) sends each closed subsegment over UDP to the daemon address; here a UDP socket
 * of the test stands in for the daemon, and the payment consumer handles a real MSK event against
 * dynalite with a captured DynamoDB client.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createEvent } from '../../lambdas/shared/events/envelope';
import type * as ConsumerModule from '../../lambdas/shared/kafka/instrumented-consumer';
import type * as ObservabilityModule from '../../lambdas/shared/observability';
import type * as IdempotencyModule from '../../lambdas/shared/powertools-idempotency';
import { LAMBDA_NODE_RUNTIME } from '../../lib/function-settings';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { lambdaContext } from '../support/lambda-context';
import { mskEventOf } from '../support/msk';

interface Subsegment {
  readonly name: string;
  readonly parent_id?: string;
  readonly id: string;
  readonly annotations?: Record<string, unknown>;
  readonly namespace?: string;
  readonly aws?: { operation?: string };
}

const LAMBDA_ENV = {
  LAMBDA_TASK_ROOT: '/var/task',
  AWS_EXECUTION_ENV: `AWS_Lambda_${LAMBDA_NODE_RUNTIME}`,
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  POWERTOOLS_SERVICE_NAME: 'payment',
  _X_AMZN_TRACE_ID: 'Root=1-6745a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

describe('tracing in Lambda mode (X-Ray SDK to a UDP daemon, dynalite)', () => {
  let dynamo: TestDynamo;
  let daemon: Socket;
  const received: Subsegment[] = [];
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    dynamo = await startDynamo();
    daemon = createSocket('udp4');
    daemon.on('message', (datagram) => {
      const [, body] = datagram.toString('utf8').split('\n');
      if (body) received.push(JSON.parse(body));
    });
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    const env: Record<string, string> = {
      ...LAMBDA_ENV,
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
    };
    for (const [key, value] of Object.entries(env)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
  });
  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    daemon.close();
    await dynamo.stop();
  });

  it('sends a handler subsegment, one per record annotated with event type and order id, and the DynamoDB calls', async () => {
    // Prepare: fresh modules, so the X-Ray SDK and the Tracer start in Lambda mode.
    let observability!: typeof ObservabilityModule;
    let consumer!: typeof ConsumerModule;
    let idempotency!: typeof IdempotencyModule;
    jest.isolateModules(() => {
      observability = require('../../lambdas/shared/observability');
      consumer = require('../../lambdas/shared/kafka/instrumented-consumer');
      idempotency = require('../../lambdas/shared/powertools-idempotency');
    });
    expect(observability.tracer.isTracingEnabled()).toBe(true);
    const client = observability.tracer.captureAWSv3Client(
      new DynamoDBClient({
        endpoint: dynamo.endpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const orderId = 'ord_TRACE00000000001';
    const event = createEvent(
      'OrderCancelled',
      { orderId, customerId: 'c-42', email: 'ada@example.com', reason: 'out_of_stock', detail: 'sold out' },
      { subject: orderId, correlationId: 'corr-trace' },
    );
    const handler = consumer.instrumentedConsumer(() => ({ OrderCancelled: async () => undefined }), {
      instruments: observability.instrumentsFor('payment'),
      publisher: { publish: async () => undefined },
      idempotency: idempotency.dynamoIdempotency({
        client,
        tableName: dynamo.tableName('idempotency'),
        keyPrefix: 'trace-test',
      }),
      deadLetters: { send: async () => undefined },
    });

    // Act
    await handler(mskEventOf(event), lambdaContext('payment'));
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Assess
    const named = (name: string) => received.find((s) => s.name === name);
    const invocation = named('## payment.handler');
    const record = named('### orderpipeline.OrderCancelled');
    expect(invocation?.annotations).toEqual({ service: 'payment', ColdStart: true });
    expect(record?.annotations).toEqual({
      service: 'payment',
      eventType: 'orderpipeline.OrderCancelled',
      orderId,
    });
    expect(record?.parent_id).toBe(invocation?.id);
    const calls = received.filter((s) => s.namespace === 'aws' && s.name === 'DynamoDB');
    expect(calls.map((c) => c.aws?.operation)).toEqual(expect.arrayContaining(['PutItem', 'UpdateItem']));
    expect(calls.every((c) => c.parent_id === record?.id)).toBe(true);
  });
});
