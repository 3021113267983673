import { kafkaConfig } from '../../lambdas/shared/kafka/connection';
import { ANSWERED_KAFKAJS_WARNINGS, pipelineKafkaLog } from '../../lambdas/shared/kafka/log';
import { logLevel, Partitioners, ProducerOnlyKafka } from '../../lambdas/shared/kafka/producer-driver';

const settings = { brokers: ['127.0.0.1:1'], auth: 'plaintext' as const };
/** The publisher's producer settings (lambdas/shared/kafka/publisher.ts): idempotent, bounded retries. */
const publisherLike = {
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
  retry: { retries: 5 },
};

describe("kafkajs's log lines in the functions", () => {
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it("kafkajs's own console logger warns about the publisher's bounded retries (the line this answers)", () => {
    const { logCreator: _ours, ...withKafkajsLogger } = kafkaConfig('log-test', settings);
    new ProducerOnlyKafka(withKafkajsLogger).producer(publisherLike);
    const lines = warn.mock.calls.map(([line]) => JSON.parse(String(line)) as { message: string });
    expect(lines.map((l) => l.message)).toContain(`[Producer] ${[...ANSWERED_KAFKAJS_WARNINGS][0]}`);
  });

  it('a producer made from kafkaConfig does not open the log with that warning', () => {
    new ProducerOnlyKafka(kafkaConfig('log-test', settings)).producer(publisherLike);
    expect(warn).not.toHaveBeenCalled();
  });

  it('writes every other line as kafkajs does: JSON, level label, namespace before the message', () => {
    const log = pipelineKafkaLog(logLevel.WARN);
    const timestamp = '2026-11-30T12:00:00.000Z';
    log({
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: { timestamp, message: 'Connection error', broker: 'b-1:9098' },
    });
    log({ namespace: 'Producer', level: logLevel.WARN, label: 'WARN', log: { timestamp, message: 'Something else' } });
    expect(JSON.parse(String(error.mock.calls[0]?.[0]))).toEqual({
      level: 'ERROR',
      timestamp,
      message: '[Connection] Connection error',
      broker: 'b-1:9098',
    });
    expect(JSON.parse(String(warn.mock.calls[0]?.[0]))).toEqual({
      level: 'WARN',
      timestamp,
      message: '[Producer] Something else',
    });
  });
});
