/**
 * No remote call after the invocation's deadline: a call started by work that outlived its
 * invocation (a timed-out handler Lambda would have stopped, a record still running when the
 * consumer answered) is refused before it reaches DynamoDB.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { CloudEvent } from '../../lambdas/shared/events/validation';
import { proofInDomainWrites } from '../../lambdas/shared/idempotency';
import {
  InvocationDeadlinePassedError,
  refuseCallsPastInvocationDeadline,
  withinInvocationDeadline,
} from '../../lambdas/shared/invocation-deadline';
import { instrumentedConsumer } from '../../lambdas/shared/kafka/instrumented-consumer';
import { instrumentsFor } from '../../lambdas/shared/observability';
import { sampleEvent } from '../../local/samples';
import { startDynamo, type TestDynamo } from '../support/dynalite';
import { InMemoryPublisher } from '../support/in-memory-publisher';
import { lambdaContext } from '../support/lambda-context';
import { mskEventOf } from '../support/msk';

describe('calls after the invocation deadline', () => {
  let dynamo: TestDynamo;
  let reachedServer = 0;

  beforeAll(async () => {
    dynamo = await startDynamo();
    refuseCallsPastInvocationDeadline(dynamo.client);
    // Innermost step: counts the attempts that were really sent.
    dynamo.client.middlewareStack.add(
      (next) => async (args) => {
        reachedServer += 1;
        return next(args);
      },
      { step: 'deserialize', name: 'countSent' },
    );
  });
  afterAll(() => dynamo.stop());
  beforeEach(() => {
    reachedServer = 0;
  });

  it('go through outside an invocation and before its deadline', async () => {
    // Act
    await dynamo.client.send(new ListTablesCommand({}));
    await withinInvocationDeadline(Date.now() + 60_000, () => dynamo.client.send(new ListTablesCommand({})));

    // Assess
    expect(reachedServer).toBe(2);
  });

  it('are refused after it, with a named error, and never sent', async () => {
    // Act
    const call = withinInvocationDeadline(Date.now() - 1, () => dynamo.client.send(new ListTablesCommand({})));

    // Assess
    await expect(call).rejects.toBeInstanceOf(InvocationDeadlinePassedError);
    expect(reachedServer).toBe(0);
  });

  it('stop the work of a record that outlived the invocation the consumer answered', async () => {
    // Prepare: the record waits for the test to let it go, then calls DynamoDB.
    const remainingMs = 1_000;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let lateCall: Promise<unknown> | undefined;
    const handler = instrumentedConsumer(
      () => ({
        OrderCreated: async () => {
          await gate;
          lateCall = dynamo.client.send(new ListTablesCommand({}));
          await lateCall;
        },
      }),
      {
        instruments: instrumentsFor('payment'),
        publisher: new InMemoryPublisher(),
        idempotency: proofInDomainWrites,
        deadLetters: { send: async () => undefined },
      },
    );
    const event = mskEventOf([sampleEvent('OrderCreated') as CloudEvent]);

    // Act: the consumer answers before its deadline, leaving the record unfinished.
    const context = lambdaContext('payment', remainingMs);
    const deadline = Date.now() + remainingMs;
    const response = await handler(event, context);
    while (Date.now() <= deadline) await new Promise((resolve) => setTimeout(resolve, deadline - Date.now() + 1));
    release();
    while (!lateCall) await new Promise((resolve) => setImmediate(resolve));

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'orders.events-0', offset: 0 } }] });
    await expect(lateCall).rejects.toBeInstanceOf(InvocationDeadlinePassedError);
    expect(reachedServer).toBe(0);
  });
});
