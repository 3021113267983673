/**
 * The MSK side of the ops CLI, through @aws-sdk/client-kafka: the cluster's state and version, its
 * brokers, its IAM bootstrap string, and its topics with partitions and configs through the MSK
 * topic APIs (provisioned clusters only: MSK Serverless has no topic API).
 */
import {
  DescribeClusterV2Command,
  DescribeTopicCommand,
  GetBootstrapBrokersCommand,
  type KafkaClient,
  paginateListNodes,
  paginateListTopics,
} from '@aws-sdk/client-kafka';

export interface ClusterSummary {
  readonly name: string;
  readonly arn: string;
  /** ACTIVE, CREATING, UPDATING, MAINTENANCE, HEALING, REBOOTING_BROKER, FAILED, DELETING. */
  readonly state: string;
  readonly type: 'PROVISIONED' | 'SERVERLESS';
  /** Provisioned: the Kafka version the brokers run and the configuration revision they use. */
  readonly kafkaVersion?: string;
  readonly configurationRevision?: number;
  readonly brokerType?: string;
  readonly brokerCount?: number;
  /** Why the cluster is in its state, when MSK says (e.g. a failed update). */
  readonly stateInfo?: string;
}

export async function describeCluster(kafka: KafkaClient, clusterArn: string): Promise<ClusterSummary> {
  const { ClusterInfo: info } = await kafka.send(new DescribeClusterV2Command({ ClusterArn: clusterArn }));
  if (!info) throw new Error(`MSK returned no description of ${clusterArn}`);
  const provisioned = info.Provisioned;
  const software = provisioned?.CurrentBrokerSoftwareInfo;
  const stateInfo = [info.StateInfo?.Code, info.StateInfo?.Message].filter(Boolean).join(': ');
  return {
    name: info.ClusterName ?? clusterArn,
    arn: info.ClusterArn ?? clusterArn,
    state: info.State ?? 'UNKNOWN',
    type: info.ClusterType === 'SERVERLESS' ? 'SERVERLESS' : 'PROVISIONED',
    ...(software?.KafkaVersion ? { kafkaVersion: software.KafkaVersion } : {}),
    ...(software?.ConfigurationRevision === undefined ? {} : { configurationRevision: software.ConfigurationRevision }),
    ...(provisioned?.BrokerNodeGroupInfo?.InstanceType
      ? { brokerType: provisioned.BrokerNodeGroupInfo.InstanceType }
      : {}),
    ...(provisioned?.NumberOfBrokerNodes === undefined ? {} : { brokerCount: provisioned.NumberOfBrokerNodes }),
    ...(stateInfo ? { stateInfo } : {}),
  };
}

/**
 * The IAM bootstrap string (`host:9098,...`): what Kafka clients in the VPC connect to. MSK
 * Serverless answers it too.
 */
export async function iamBootstrapBrokers(kafka: KafkaClient, clusterArn: string): Promise<string> {
  const answer = await kafka.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
  const bootstrap = answer.BootstrapBrokerStringSaslIam;
  if (!bootstrap) {
    throw new Error(`cluster ${clusterArn} has no IAM bootstrap brokers: is IAM client authentication enabled?`);
  }
  return bootstrap;
}

export interface BrokerSummary {
  readonly id: number;
  readonly endpoints: readonly string[];
  readonly subnet?: string;
  readonly instanceType?: string;
  readonly kafkaVersion?: string;
}

/** Every broker node (provisioned clusters; KRaft controllers are left out). */
export async function listBrokers(kafka: KafkaClient, clusterArn: string): Promise<BrokerSummary[]> {
  const brokers: BrokerSummary[] = [];
  for await (const page of paginateListNodes({ client: kafka }, { ClusterArn: clusterArn })) {
    for (const node of page.NodeInfoList ?? []) {
      const broker = node.BrokerNodeInfo;
      if (!broker || broker.BrokerId === undefined) continue;
      brokers.push({
        id: broker.BrokerId,
        endpoints: broker.Endpoints ?? [],
        ...(broker.ClientSubnet ? { subnet: broker.ClientSubnet } : {}),
        ...(node.InstanceType ? { instanceType: node.InstanceType } : {}),
        ...(broker.CurrentBrokerSoftwareInfo?.KafkaVersion
          ? { kafkaVersion: broker.CurrentBrokerSoftwareInfo.KafkaVersion }
          : {}),
      });
    }
  }
  return brokers.sort((a, b) => a.id - b.id);
}

export interface TopicSummary {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Replicas out of the in-sync set, over all partitions: above 0 means under-replicated. */
  readonly outOfSyncReplicas: number;
  /** CREATING, ACTIVE, UPDATING, DELETING. */
  readonly status?: string;
  /** The topic's configs as MSK reports them (decoded from the API's base64 JSON). */
  readonly configs: Readonly<Record<string, string>>;
}

/** Every topic of a provisioned cluster, with its configs, through the MSK topic APIs. */
export async function listTopics(kafka: KafkaClient, clusterArn: string): Promise<TopicSummary[]> {
  const topics: TopicSummary[] = [];
  for await (const page of paginateListTopics({ client: kafka }, { ClusterArn: clusterArn })) {
    for (const topic of page.Topics ?? []) {
      if (!topic.TopicName) continue;
      const described = await kafka.send(
        new DescribeTopicCommand({ ClusterArn: clusterArn, TopicName: topic.TopicName }),
      );
      topics.push({
        name: topic.TopicName,
        partitions: topic.PartitionCount ?? described.PartitionCount ?? 0,
        replicationFactor: topic.ReplicationFactor ?? described.ReplicationFactor ?? 0,
        outOfSyncReplicas: topic.OutOfSyncReplicaCount ?? 0,
        ...(described.Status ? { status: described.Status } : {}),
        configs: decodeConfigs(described.Configs),
      });
    }
  }
  return topics.sort((a, b) => a.name.localeCompare(b.name));
}

/** MSK carries topic configs as base64 of a JSON object of strings (as AWS::MSK::Topic takes them). */
export function decodeConfigs(encoded: string | undefined): Record<string, string> {
  if (!encoded) return {};
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    }
  } catch {
    // Reported below as it came.
  }
  return { '(undecodable)': text };
}
