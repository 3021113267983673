import { DeadLetterFormatError, deadLetterRecord, readDeadLetter } from '../../lambdas/shared/kafka/dead-letter';
import type { MskEvent, MskRecord } from '../../lambdas/shared/kafka/msk-event';
import fixture from '../fixtures/msk-event.multi-partition.json';

const records = Object.values((fixture as unknown as MskEvent).records).flat();
const withHeaders = records.find((r) => (r.headers ?? []).length > 0) as MskRecord;

describe('Function: readDeadLetter', () => {
  it('gives back the original record of our own dead letter, with its reason, ready to replay', () => {
    // Prepare
    const value = JSON.stringify(deadLetterRecord(withHeaders, 'value is not JSON', { bootstrapServers: 'b-1:9098' }));

    // Act
    const letter = readDeadLetter(Buffer.from(value));

    // Assess
    expect(letter.condition).toBe('InvalidRecord');
    expect(letter.reason).toBe('value is not JSON');
    expect(letter.original).toEqual(withHeaders);
    expect(letter.replay.topic).toBe(withHeaders.topic);
    expect(letter.replay.message.key).toEqual(withHeaders.key ? Buffer.from(withHeaders.key, 'base64') : null);
    expect(letter.replay.message.value).toEqual(Buffer.from(withHeaders.value ?? '', 'base64'));
    const [name, bytes] = Object.entries((withHeaders.headers ?? [])[0] ?? {})[0] as [string, number[]];
    expect(letter.replay.message.headers?.[name]).toEqual(Buffer.from(bytes));
  });

  it("reads Lambda's own on-failure record, which has a condition and no reason", () => {
    // Prepare: the document Lambda writes to a Kafka on-failure destination, one record inline.
    const lambdaRecord = {
      requestContext: {
        requestId: 'r-1',
        functionArn: 'arn:aws:lambda:eu-west-1:1:function:payment',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 4,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-11-28T10:00:00.000Z',
      KafkaBatchInfo: {
        batchSize: 1,
        bootstrapServers: 'b-1:9098',
        payloadSize: 100,
        recordInfo: { offset: '7', timestamp: '2026-11-28T09:00:00.000Z' },
      },
      payload: {
        eventSource: 'aws:kafka',
        bootstrapServers: 'b-1:9098',
        records: { [`${withHeaders.topic}-${withHeaders.partition}`]: [withHeaders] },
      },
    };

    // Act
    const letter = readDeadLetter(JSON.stringify(lambdaRecord));

    // Assess
    expect(letter.condition).toBe('RetryAttemptsExhausted');
    expect(letter).not.toHaveProperty('reason');
    expect(letter.original).toEqual(withHeaders);
  });

  it('refuses a value that is not a dead letter, saying why', () => {
    expect(() => readDeadLetter('nope')).toThrow(new DeadLetterFormatError('the dead-letter value is not JSON'));
    expect(() => readDeadLetter('{"payload":{"records":{}}}')).toThrow(
      'expected one record under payload.records, found 0',
    );
  });
});
