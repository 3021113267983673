import { deadLetterRecord } from '../../lambdas/shared/kafka/dead-letter';
import { onFailureRecord } from '../../lambdas/shared/kafka/on-failure-record';
import { DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES, DOMAIN_TOPIC_MAX_MESSAGE_BYTES } from '../../lib/topic-settings';
import { MAX_EVENT_BYTES } from '../../lib/topology';

describe('Module: topic-settings', () => {
  it('lets a domain topic take an oversize event, so a consumer can dead-letter it', () => {
    expect(DOMAIN_TOPIC_MAX_MESSAGE_BYTES).toBeGreaterThan(MAX_EVENT_BYTES);
  });

  it('fits the dead-letter record of the largest record a domain topic accepts in a dead-letter topic', () => {
    // Prepare: the biggest value a domain topic takes, with a long key and a header.
    const record = {
      topic: 'inventory.events',
      partition: 11,
      offset: 9_007_199_254_740_991,
      timestamp: 1_767_225_600_000,
      timestampType: 'CREATE_TIME' as const,
      key: Buffer.from('k'.repeat(256)).toString('base64'),
      value: Buffer.alloc(DOMAIN_TOPIC_MAX_MESSAGE_BYTES, 0x7b).toString('base64'),
      headers: [{ 'content-type': [...Buffer.from('application/cloudevents+json')] }],
    };
    const context = {
      eventSource: 'aws:kafka',
      eventSourceArn: `arn:aws:kafka:eu-west-1:000000000000:cluster/${'c'.repeat(64)}/${'0'.repeat(36)}`,
      bootstrapServers: 'b-1.example:9098,b-2.example:9098,b-3.example:9098',
      requestId: '0'.repeat(36),
      functionArn: `arn:aws:lambda:eu-west-1:000000000000:function:${'f'.repeat(64)}`,
    };

    // Act: ours (an invalid record) and Lambda's (retries exhausted), as the emulator writes it.
    const ours = JSON.stringify(deadLetterRecord(record, `oversize: ${'r'.repeat(1_000)}`, context));
    const lambdas = JSON.stringify(
      onFailureRecord({ eventSourceArn: context.eventSourceArn, bootstrapServers: context.bootstrapServers }, record, {
        condition: 'RetryAttemptsExhausted',
        requestId: context.requestId,
        functionArn: context.functionArn,
        approximateInvokeCount: 4,
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      }),
    );

    // Assess: with room left for Kafka's own record overhead.
    for (const written of [ours, lambdas]) {
      expect(Buffer.byteLength(written) + 1_024).toBeLessThan(DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES);
    }
  });
});
