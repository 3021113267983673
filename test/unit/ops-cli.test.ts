/**
 * The ops CLI against the AWS SDK's own test doubles (aws-sdk-client-mock): it finds the cluster
 * from the stack outputs, asks MSK and Lambda with that ARN, and says plainly what is wrong.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeClusterV2Command,
  DescribeTopicCommand,
  GetBootstrapBrokersCommand,
  KafkaClient,
  ListNodesCommand,
  ListTopicsCommand,
} from '@aws-sdk/client-kafka';
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { STACK_OUTPUTS } from '../../lib/stack-outputs';
import { CONSUMER_SERVICES, SERVICE_SPECS } from '../../lib/topology';
import { type OpsDeps, parseOpsArgs, runOps, UsageError } from '../../scripts/ops/cli';
import { decodeConfigs } from '../../scripts/ops/cluster';
import { DeploymentNotFoundError } from '../../scripts/ops/deployment';

const REGION = 'eu-west-1';
const CLUSTER_ARN =
  'arn:aws:kafka:eu-west-1:123456789012:cluster/order-pipeline-dev/5a7b2c1e-8f3d-4e6a-9b0c-1d2e3f4a5b6c-3';
const BOOTSTRAP =
  'b-1.orderpipelinedev.abc123.c3.kafka.eu-west-1.amazonaws.com:9098,b-2.orderpipelinedev.abc123.c3.kafka.eu-west-1.amazonaws.com:9098';
const TARGET = { profile: 'dev', region: REGION };

const cloudFormation = mockClient(CloudFormationClient);
const kafka = mockClient(KafkaClient);
const lambda = mockClient(LambdaClient);

function deps(lines: string[]): OpsDeps {
  return {
    cloudFormation: new CloudFormationClient({ region: REGION }),
    kafka: new KafkaClient({ region: REGION }),
    lambda: new LambdaClient({ region: REGION }),
    kafkaFor: () => {
      throw new Error('no broker connection in unit tests');
    },
    out: (line) => lines.push(line),
  };
}

function kafkaStackDeployed(outputs = [{ OutputKey: STACK_OUTPUTS.Kafka.clusterArn, OutputValue: CLUSTER_ARN }]) {
  cloudFormation.on(DescribeStacksCommand, { StackName: 'OrderPipeline-dev-Kafka' }).resolves({
    Stacks: [
      {
        StackName: 'OrderPipeline-dev-Kafka',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date('2026-11-28T10:00:00Z'),
        Outputs: outputs,
      },
    ],
  });
}

/** A provisioned cluster as DescribeClusterV2 returns it. */
function provisionedCluster(state: 'ACTIVE' | 'UPDATING' = 'ACTIVE') {
  kafka.on(DescribeClusterV2Command, { ClusterArn: CLUSTER_ARN }).resolves({
    ClusterInfo: {
      ClusterArn: CLUSTER_ARN,
      ClusterName: 'order-pipeline-dev',
      ClusterType: 'PROVISIONED',
      State: state,
      CurrentVersion: 'K3AEGXETSR30VB',
      Provisioned: {
        NumberOfBrokerNodes: 3,
        BrokerNodeGroupInfo: {
          InstanceType: 'kafka.m7g.large',
          ClientSubnets: ['subnet-0a', 'subnet-0b', 'subnet-0c'],
        },
        CurrentBrokerSoftwareInfo: {
          KafkaVersion: '4.1.x.kraft',
          ConfigurationArn: 'arn:aws:kafka:eu-west-1:123456789012:configuration/order-pipeline-dev-brokers/1a2b-3',
          ConfigurationRevision: 2,
        },
      },
    },
  });
  kafka
    .on(GetBootstrapBrokersCommand, { ClusterArn: CLUSTER_ARN })
    .resolves({ BootstrapBrokerStringSaslIam: BOOTSTRAP });
  kafka.on(ListNodesCommand, { ClusterArn: CLUSTER_ARN }).resolves({
    NodeInfoList: [2, 1].map((id) => ({
      NodeType: 'BROKER',
      InstanceType: 'kafka.m7g.large',
      NodeARN: `arn:aws:kafka:eu-west-1:123456789012:broker/order-pipeline-dev/5a7b/${id}`,
      BrokerNodeInfo: {
        BrokerId: id,
        ClientSubnet: `subnet-0${id}`,
        Endpoints: [`b-${id}.orderpipelinedev.abc123.c3.kafka.eu-west-1.amazonaws.com`],
        CurrentBrokerSoftwareInfo: { KafkaVersion: '4.1.x.kraft' },
      },
    })),
  });
  kafka.on(ListTopicsCommand, { ClusterArn: CLUSTER_ARN }).resolves({
    Topics: [
      { TopicName: 'payment.dlq', PartitionCount: 1, ReplicationFactor: 3, OutOfSyncReplicaCount: 0 },
      { TopicName: 'orders.events', PartitionCount: 3, ReplicationFactor: 3, OutOfSyncReplicaCount: 1 },
    ],
  });
  const configs = (retention: string) =>
    Buffer.from(JSON.stringify({ 'retention.ms': retention, 'cleanup.policy': 'delete' })).toString('base64');
  kafka
    .on(DescribeTopicCommand, { ClusterArn: CLUSTER_ARN, TopicName: 'orders.events' })
    .resolves({ TopicName: 'orders.events', Status: 'ACTIVE', Configs: configs('604800000') });
  kafka
    .on(DescribeTopicCommand, { ClusterArn: CLUSTER_ARN, TopicName: 'payment.dlq' })
    .resolves({ TopicName: 'payment.dlq', Status: 'ACTIVE', Configs: configs('1209600000') });
}

/** Every topology subscription deployed and healthy, but one whose group grant is missing. */
function mappingsDeployed() {
  const subscriptions = CONSUMER_SERVICES.flatMap((service) =>
    SERVICE_SPECS[service].subscriptions.map((sub) => `${service}.${sub.domain}`),
  );
  lambda.on(ListEventSourceMappingsCommand, { EventSourceArn: CLUSTER_ARN }).resolves({
    EventSourceMappings: subscriptions.map((group, i) => ({
      UUID: `0f0e0d0c-0000-4000-8000-00000000000${i}`,
      EventSourceArn: CLUSTER_ARN,
      FunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:OrderPipeline-dev-Services-${group.split('.')[0]}Fn`,
      Topics: [`${group.split('.')[1]}.events`],
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: group },
      ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 1 },
      State: 'Enabled',
      StateTransitionReason: 'USER_INITIATED',
      LastProcessingResult: group === 'order.shipping' ? 'PROBLEM: Cluster failed to authorize Lambda.' : 'OK',
    })),
  });
}

beforeEach(() => {
  cloudFormation.reset();
  kafka.reset();
  lambda.reset();
});

describe('Command: ops status', () => {
  it('reports the cluster, brokers, topics with configs and every mapping, and flags what needs attention', async () => {
    // Prepare
    kafkaStackDeployed();
    provisionedCluster();
    mappingsDeployed();
    const lines: string[] = [];

    // Act
    const status = await runOps(parseOpsArgs(['status', '--profile', 'dev']), TARGET, deps(lines));

    // Assess
    const text = lines.join('\n');
    expect(status).toBe(2);
    expect(lines[0]).toBe(
      '  Cluster order-pipeline-dev: ACTIVE (Kafka 4.1.x.kraft, 3 × kafka.m7g.large, configuration revision 2)',
    );
    expect(text).toContain(BOOTSTRAP);
    expect(text).toMatch(
      / {4}1: b-1\.orderpipelinedev.*subnet-01, kafka\.m7g\.large, Kafka 4\.1\.x\.kraft\n {4}2: b-2/,
    );
    expect(text).toContain('!   orders.events: 3 partitions, RF 3, 1 replicas out of sync, ACTIVE');
    expect(text).toContain('retention.ms=1209600000 cleanup.policy=delete');
    expect(text).toContain(
      '    payment.orders <- orders.events: Enabled, pollers 1-1, OrderPipeline-dev-Services-paymentFn',
    );
    expect(text).toContain('!   order.shipping <- shipping.events: Enabled');
    expect(text).toContain('last processing result: PROBLEM: Cluster failed to authorize Lambda.');
    // Every call named the cluster from the stack output.
    for (const call of [...kafka.calls(), ...lambda.calls()]) {
      const input = call.args[0].input as { ClusterArn?: string; EventSourceArn?: string };
      expect(input.ClusterArn ?? input.EventSourceArn).toBe(CLUSTER_ARN);
    }
  });

  it('lists a subscription of the topology that has no mapping as MISSING', async () => {
    // Prepare
    kafkaStackDeployed();
    provisionedCluster();
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
    const lines: string[] = [];

    // Act
    const status = await runOps(parseOpsArgs(['status', '--profile', 'dev', '--json']), TARGET, deps(lines));

    // Assess
    const report = JSON.parse(lines.join('\n')) as { mappings: { consumerGroup: string; state: string }[] };
    expect(status).toBe(2);
    expect(report.mappings).toHaveLength(10);
    expect(report.mappings.every((m) => m.state === 'MISSING')).toBe(true);
    expect(report.mappings.map((m) => m.consumerGroup)).toContain('notification.users');
  });

  it('exits 0 when the cluster is ACTIVE, replicas in sync and every mapping OK', async () => {
    // Prepare
    kafkaStackDeployed();
    provisionedCluster();
    kafka.on(ListTopicsCommand).resolves({ Topics: [] });
    const lines: string[] = [];
    lambda.on(ListEventSourceMappingsCommand).resolves({
      EventSourceMappings: CONSUMER_SERVICES.flatMap((service) =>
        SERVICE_SPECS[service].subscriptions.map((sub) => ({
          UUID: `${service}-${sub.domain}`,
          Topics: [`${sub.domain}.events`],
          AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: `${service}.${sub.domain}` },
          State: 'Enabled',
          LastProcessingResult: 'OK',
        })),
      ),
    });

    // Act
    const status = await runOps(parseOpsArgs(['status', '--profile', 'dev']), TARGET, deps(lines));

    // Assess
    expect(status).toBe(0);
    expect(lines.filter((l) => l.startsWith('!'))).toEqual([]);
  });

  it('says MSK Serverless has no topic API instead of calling it', async () => {
    // Prepare
    kafkaStackDeployed();
    kafka.on(DescribeClusterV2Command).resolves({
      ClusterInfo: {
        ClusterArn: CLUSTER_ARN,
        ClusterName: 'order-pipeline-dev-serverless',
        ClusterType: 'SERVERLESS',
        State: 'ACTIVE',
      },
    });
    kafka
      .on(GetBootstrapBrokersCommand)
      .resolves({ BootstrapBrokerStringSaslIam: 'boot-abc.c2.kafka-serverless.eu-west-1.amazonaws.com:9098' });
    lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
    const lines: string[] = [];

    // Act
    await runOps(parseOpsArgs(['status', '--profile', 'dev']), TARGET, deps(lines));

    // Assess
    expect(lines[0]).toBe('  Cluster order-pipeline-dev-serverless: ACTIVE (MSK Serverless)');
    expect(lines.join('\n')).toContain('Topics: MSK Serverless has no topic API');
    expect(kafka.commandCalls(ListTopicsCommand)).toHaveLength(0);
    expect(kafka.commandCalls(ListNodesCommand)).toHaveLength(0);
  });
});

describe('Command: ops brokers', () => {
  it('prints the IAM bootstrap string and each broker, as JSON when asked', async () => {
    // Prepare
    kafkaStackDeployed();
    provisionedCluster();
    const lines: string[] = [];

    // Act
    const status = await runOps(parseOpsArgs(['brokers', '--json', '--profile', 'dev']), TARGET, deps(lines));

    // Assess
    expect(status).toBe(0);
    const answer = JSON.parse(lines.join('\n')) as { bootstrapBrokers: string; brokers: { id: number }[] };
    expect(answer.bootstrapBrokers).toBe(BOOTSTRAP);
    expect(answer.brokers.map((b) => b.id)).toEqual([1, 2]);
  });
});

describe('Finding the deployment', () => {
  it('says which stack is not deployed in which region, and how to fix it', async () => {
    // Prepare: CloudFormation's answer for a stack that does not exist.
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(
        Object.assign(new Error('Stack with id OrderPipeline-dev-Kafka does not exist'), { name: 'ValidationError' }),
      );

    // Act
    const run = runOps(parseOpsArgs(['status', '--profile', 'dev']), TARGET, deps([]));

    // Assess
    await expect(run).rejects.toThrow(DeploymentNotFoundError);
    await expect(run).rejects.toThrow(
      'stack OrderPipeline-dev-Kafka is not deployed in eu-west-1. Deploy it (npx cdk deploy --all -c profile=dev) or pass the region it is in with --region',
    );
    expect(kafka.calls()).toHaveLength(0);
  });

  it('asks for a redeploy when the stack predates its outputs', async () => {
    kafkaStackDeployed([]);
    await expect(runOps(parseOpsArgs(['brokers', '--profile', 'dev']), TARGET, deps([]))).rejects.toThrow(
      'stack OrderPipeline-dev-Kafka has no output ClusterArn; deploy this version of the app (npx cdk deploy --all -c profile=dev)',
    );
  });

  it('passes an AWS error through with its message', async () => {
    kafkaStackDeployed();
    kafka.on(DescribeClusterV2Command).rejects(
      Object.assign(new Error('User is not authorized to perform: kafka:DescribeClusterV2'), {
        name: 'ForbiddenException',
      }),
    );
    lambda.on(ListEventSourceMappingsCommand).resolves({});
    await expect(runOps(parseOpsArgs(['status', '--profile', 'dev']), TARGET, deps([]))).rejects.toThrow(
      /not authorized to perform: kafka:DescribeClusterV2/,
    );
  });
});

describe('Function: parseOpsArgs', () => {
  it('reads commands and options in any order', () => {
    expect(
      parseOpsArgs(['--profile', 'prod', 'dlq', 'replay', 'payment', '0:3', '1:7', '--region', 'us-east-1']),
    ).toEqual({
      command: { name: 'dlq-replay', service: 'payment', picks: ['0:3', '1:7'] },
      profile: 'prod',
      region: 'us-east-1',
      json: false,
    });
    expect(parseOpsArgs(['dlq', 'read', 'order', '--profile', 'dev', '--aws-profile', 'ops'])).toMatchObject({
      command: { name: 'dlq-read', service: 'order' },
      awsProfile: 'ops',
    });
  });

  it.each([
    [['status'], '--profile <name> is required'],
    [['restart', '--profile', 'dev'], 'unknown command "restart"'],
    [['dlq', 'read', 'order-api', '--profile', 'dev'], 'dlq read needs a service with a dead-letter topic'],
    [['dlq', 'replay', 'payment', '3', '--profile', 'dev'], '3: name dead letters as <partition>:<offset>'],
    [['status', '--profile'], '--profile needs a value'],
    [['status', '--profile', 'dev', '--verbose'], 'unknown option --verbose'],
  ])('refuses %p, saying what is wrong and printing the usage', (argv, problem) => {
    expect(() => parseOpsArgs(argv)).toThrow(UsageError);
    expect(() => parseOpsArgs(argv)).toThrow(problem);
    expect(() => parseOpsArgs(argv)).toThrow(/usage: npm run ops --/);
  });
});

describe('Function: decodeConfigs', () => {
  it('decodes MSK base64 JSON configs, and shows what it cannot decode as it came', () => {
    const encoded = Buffer.from('{"retention.ms":"604800000","max.message.bytes":524288}').toString('base64');
    expect(decodeConfigs(encoded)).toEqual({ 'retention.ms': '604800000', 'max.message.bytes': '524288' });
    expect(decodeConfigs(Buffer.from('not json').toString('base64'))).toEqual({ '(undecodable)': 'not json' });
    expect(decodeConfigs(undefined)).toEqual({});
  });
});
