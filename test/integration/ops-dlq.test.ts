/**
 * `npm run ops -- dlq read|replay` end to end on the real test broker: the cluster found from the
 * (mocked) stack outputs and MSK's GetBootstrapBrokers answer, then the dead letters read from and
 * replayed through the broker itself.
 */
import { randomUUID } from 'node:crypto';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createKafka } from '../../lambdas/shared/kafka/client';
import { kafkaDeadLetters } from '../../lambdas/shared/kafka/dead-letter';
import { type Admin, Kafka, type KafkaMessage, logLevel } from '../../lambdas/shared/kafka/driver';
import type { MskRecord } from '../../lambdas/shared/kafka/msk-event';
import { KafkaProducer } from '../../lambdas/shared/kafka/publisher';
import { STACK_OUTPUTS } from '../../lib/stack-outputs';
import { deadLetterTopic } from '../../lib/topology';
import { type OpsDeps, parseOpsArgs, runOps } from '../../scripts/ops/cli';
import { TEST_BOOTSTRAP } from './broker';
import { acquireRuntimeLock } from './runtime-lock';

const CLUSTER_ARN =
  'arn:aws:kafka:eu-west-1:123456789012:cluster/order-pipeline-dev/5a7b2c1e-8f3d-4e6a-9b0c-1d2e3f4a5b6c-3';
const TARGET = { profile: 'dev', region: 'eu-west-1' };
const SERVICE = 'shipping';

const cloudFormation = mockClient(CloudFormationClient);
const msk = mockClient(KafkaClient);

describe('ops dlq on a real broker', () => {
  const kafka = new Kafka({ clientId: 'ops-dlq-test', brokers: [TEST_BOOTSTRAP], logLevel: logLevel.NOTHING });
  const source = `ops-dlq-src-${randomUUID()}`;
  const producer = new KafkaProducer(createKafka('ops-dlq-test', { brokers: [TEST_BOOTSTRAP], auth: 'plaintext' }));
  let admin: Admin;
  let releaseLock: () => void = () => undefined;

  const deps = (lines: string[], bootstrap = TEST_BOOTSTRAP): OpsDeps => ({
    cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
    kafka: new KafkaClient({ region: 'eu-west-1' }),
    lambda: new LambdaClient({ region: 'eu-west-1' }),
    // The local broker is plaintext; on AWS the factory signs IAM.
    kafkaFor: (brokers) => {
      expect(brokers).toBe(bootstrap);
      return createKafka('ops-dlq-test', { brokers: brokers.split(','), auth: 'plaintext' });
    },
    out: (line) => lines.push(line),
  });

  const record = (offset: number, value: string): MskRecord => ({
    topic: source,
    partition: 0,
    offset,
    timestamp: Date.parse('2026-11-28T10:00:00.000Z'),
    timestampType: 'CREATE_TIME',
    key: Buffer.from(`ord_${offset}`).toString('base64'),
    value: Buffer.from(value).toString('base64'),
    headers: [{ 'content-type': [...Buffer.from('application/cloudevents+json')] }],
  });

  beforeAll(async () => {
    // The dead-letter topic is shared with the local-runtime tests: none may run meanwhile.
    releaseLock = await acquireRuntimeLock();
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: source, numPartitions: 1 },
        { topic: deadLetterTopic(SERVICE), numPartitions: 1 },
      ],
    });
    cloudFormation.on(DescribeStacksCommand, { StackName: 'OrderPipeline-dev-Kafka' }).resolves({
      Stacks: [
        {
          StackName: 'OrderPipeline-dev-Kafka',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [{ OutputKey: STACK_OUTPUTS.Kafka.clusterArn, OutputValue: CLUSTER_ARN }],
        },
      ],
    });
    msk
      .on(GetBootstrapBrokersCommand, { ClusterArn: CLUSTER_ARN })
      .resolves({ BootstrapBrokerStringSaslIam: TEST_BOOTSTRAP });
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
    releaseLock();
  });

  async function readSource(): Promise<KafkaMessage> {
    const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: source, fromBeginning: true });
    try {
      return await new Promise<KafkaMessage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing replayed to ${source}`)), 20_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(message);
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
  }

  it('reads the dead letters of a service and replays the one named, byte for byte', async () => {
    // Prepare
    const sink = kafkaDeadLetters(producer, deadLetterTopic(SERVICE));
    await sink.send(record(7, 'not json'), 'value is not JSON', { bootstrapServers: TEST_BOOTSTRAP });
    await sink.send(record(8, '{"specversion":"1.0"}'), 'missing id', { bootstrapServers: TEST_BOOTSTRAP });
    const read: string[] = [];

    // Act
    const readStatus = await runOps(parseOpsArgs(['dlq', 'read', SERVICE, '--profile', 'dev']), TARGET, deps(read));

    // Assess: other tests' dead letters may share the topic; ours are the ones from our source topic.
    const ours = read
      .map(
        (line) => JSON.parse(line) as { dlq: string; condition: string; reason: string; from: string; event: unknown },
      )
      .filter((l) => l.from.startsWith(`${source}-0@`));
    expect(readStatus).toBe(0);
    expect(ours).toEqual([
      {
        dlq: expect.stringMatching(/^0:\d+$/),
        condition: 'InvalidRecord',
        reason: 'value is not JSON',
        from: `${source}-0@7`,
        event: 'not json',
      },
      {
        dlq: expect.stringMatching(/^0:\d+$/),
        condition: 'InvalidRecord',
        reason: 'missing id',
        from: `${source}-0@8`,
        event: { specversion: '1.0' },
      },
    ]);
    expect(msk.commandCalls(GetBootstrapBrokersCommand)[0]?.args[0].input).toEqual({ ClusterArn: CLUSTER_ARN });

    // Act
    const replayed: string[] = [];
    const second = ours[1]?.dlq as string;
    const replayStatus = await runOps(
      parseOpsArgs(['dlq', 'replay', SERVICE, second, '--profile', 'dev']),
      TARGET,
      deps(replayed),
    );

    // Assess
    expect(replayStatus).toBe(0);
    expect(replayed).toEqual([expect.stringMatching(/^replayed 1 of \d+ dead letters of shipping\.dlq$/)]);
    const message = await readSource();
    expect(message.key?.toString()).toBe('ord_8');
    expect(message.value?.toString()).toBe('{"specversion":"1.0"}');
    expect(message.headers?.['content-type']?.toString()).toBe('application/cloudevents+json');
  });

  it('refuses to replay a dead letter that is not there, replaying nothing', async () => {
    await expect(
      runOps(parseOpsArgs(['dlq', 'replay', SERVICE, '0:999999', '--profile', 'dev']), TARGET, deps([])),
    ).rejects.toThrow(
      'no dead letter at 0:999999; name them as <partition>:<offset>, as "read" prints them under "dlq"',
    );
  });

  it('says the brokers must be reached from inside the VPC when they cannot be reached', async () => {
    // Prepare: MSK answers a bootstrap string no broker listens on.
    const closed = '127.0.0.1:9';
    msk.on(GetBootstrapBrokersCommand).resolves({ BootstrapBrokerStringSaslIam: closed });
    const unreachable: OpsDeps = {
      ...deps([], closed),
      kafkaFor: (brokers) =>
        new Kafka({
          clientId: 'ops-dlq-test',
          brokers: brokers.split(','),
          logLevel: logLevel.NOTHING,
          connectionTimeout: 500,
          retry: { retries: 0 },
        }),
    };

    // Act
    const run = runOps(parseOpsArgs(['dlq', 'read', SERVICE, '--profile', 'dev']), TARGET, unreachable);

    // Assess
    await expect(run).rejects.toThrow(
      /^cannot read from the brokers at 127\.0\.0\.1:9 \(KafkaJS\w+: .*\)\. The brokers are only reachable from inside the cluster's VPC on port 9098/,
    );
  });
});
