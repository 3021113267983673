import { CfnOutput, CustomResource, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as msk from 'aws-cdk-lib/aws-msk';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { TOPIC_ADMIN_ENTRY } from '../bundling';
import { KAFKA_VERSION, type PipelineConfig, type ProvisionedClusterConfig } from '../config';
import { KafkaClusterRef } from '../constructs/kafka-cluster-ref';
import { ServiceFunction } from '../constructs/service-function';
import { TOPIC_ADMIN_FUNCTION } from '../function-settings';
import { STACK_OUTPUTS } from '../stack-outputs';
import { topicConfigs, topicPartitions } from '../topic-settings';
import { TOPICS } from '../topology';
import type { NetworkStack } from './network-stack';

export interface KafkaStackProps extends StackProps {
  readonly config: PipelineConfig;
  readonly network: NetworkStack;
}

/**
 * The MSK cluster (provisioned, or Serverless by profile) and every topic of the topology.
 * Clients authenticate with IAM only, over TLS; nothing listens unauthenticated.
 */
export class KafkaStack extends Stack {
  readonly cluster: KafkaClusterRef;
  /** Set for provisioned clusters: broker-level metrics need it. */
  readonly brokerCount?: number;
  readonly clusterName: string;
  /** The custom resource function that creates topics on MSK Serverless. */
  topicAdmin?: ServiceFunction;

  constructor(scope: Construct, id: string, props: KafkaStackProps) {
    super(scope, id, props);
    const { config, network } = props;
    this.clusterName = `order-pipeline-${config.profile}`;
    const subnetIds = network.vpc.isolatedSubnets.map((s) => s.subnetId);

    let clusterArn: string;
    if (config.cluster.mode === 'provisioned') {
      clusterArn = this.provisionedCluster(config, config.cluster, subnetIds, network.clusterSecurityGroup);
      this.brokerCount = config.cluster.brokerCount;
    } else {
      const serverless = new msk.CfnServerlessCluster(this, 'Cluster', {
        clusterName: this.clusterName,
        clientAuthentication: { sasl: { iam: { enabled: true } } },
        vpcConfigs: [{ subnetIds, securityGroups: [network.clusterSecurityGroup.securityGroupId] }],
      });
      clusterArn = serverless.ref;
    }

    const bootstrap = new cr.AwsCustomResource(this, 'BootstrapBrokers', {
      onUpdate: {
        service: 'Kafka',
        action: 'GetBootstrapBrokers',
        parameters: { ClusterArn: clusterArn },
        physicalResourceId: cr.PhysicalResourceId.of(`${this.clusterName}-bootstrap`),
        outputPaths: ['BootstrapBrokerStringSaslIam'],
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: [clusterArn] }),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'BootstrapBrokersLogs', { retention: config.logRetentionDays }),
    });
    this.cluster = new KafkaClusterRef(
      clusterArn,
      this.clusterName,
      bootstrap.getResponseField('BootstrapBrokerStringSaslIam'),
    );

    if (config.cluster.mode === 'serverless') this.adminCreatedTopics(config, props.network);

    // What operators and the ops CLI need to reach the cluster without the AWS console.
    new CfnOutput(this, STACK_OUTPUTS.Kafka.clusterArn, {
      description: 'MSK cluster ARN (aws kafka describe-cluster-v2 --cluster-arn ...)',
      value: clusterArn,
    });
    new CfnOutput(this, STACK_OUTPUTS.Kafka.bootstrapBrokers, {
      description: 'Bootstrap brokers for IAM auth (SASL/OAUTHBEARER over TLS, port 9098), reachable from the VPC',
      value: this.cluster.bootstrapServers,
    });
  }

  private provisionedCluster(
    config: PipelineConfig,
    cluster: ProvisionedClusterConfig,
    subnetIds: string[],
    securityGroup: ec2.ISecurityGroup,
  ): string {
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const key = new kms.Key(this, 'DataKey', {
      description: `MSK data at rest (${this.clusterName})`,
      enableKeyRotation: true,
      removalPolicy,
    });
    const brokerLogs = new logs.LogGroup(this, 'BrokerLogs', {
      retention: config.logRetentionDays,
      removalPolicy,
    });
    const serverProperties = [
      'auto.create.topics.enable=false',
      `default.replication.factor=${cluster.replicationFactor}`,
      `min.insync.replicas=${cluster.minInsyncReplicas}`,
      'unclean.leader.election.enable=false',
      `num.partitions=${config.partitions}`,
      'allow.everyone.if.no.acl.found=false',
    ].join('\n');
    const configuration = new msk.CfnConfiguration(this, 'BrokerConfig', {
      name: `${this.clusterName}-brokers`,
      description: 'Durability first: no auto-created topics, RF 3, min ISR 2, no unclean elections',
      kafkaVersionsList: [KAFKA_VERSION.msk],
      serverProperties,
    });
    const cfnCluster = new msk.CfnCluster(this, 'Cluster', {
      clusterName: this.clusterName,
      kafkaVersion: KAFKA_VERSION.msk,
      numberOfBrokerNodes: cluster.brokerCount,
      brokerNodeGroupInfo: {
        instanceType: cluster.brokerType,
        clientSubnets: subnetIds,
        securityGroups: [securityGroup.securityGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: cluster.volumeSizeGiB } },
      },
      clientAuthentication: {
        sasl: { iam: { enabled: true }, scram: { enabled: false } },
        unauthenticated: { enabled: false },
      },
      encryptionInfo: {
        encryptionAtRest: { dataVolumeKmsKeyId: key.keyArn },
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
      },
      enhancedMonitoring: cluster.enhancedMonitoring,
      openMonitoring: {
        prometheus: { jmxExporter: { enabledInBroker: true }, nodeExporter: { enabledInBroker: true } },
      },
      loggingInfo: { brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: brokerLogs.logGroupName } } },
      // The latest revision, so an edit of the broker settings above reaches the brokers on the next
      // deploy (a changed ServerProperties makes CloudFormation write a new revision).
      configurationInfo: { arn: configuration.attrArn, revision: configuration.attrLatestRevisionRevision },
    });
    cfnCluster.applyRemovalPolicy(removalPolicy);

    for (const topic of TOPICS) {
      const cfnTopic = new msk.CfnTopic(this, `Topic-${topic.name}`, {
        clusterArn: cfnCluster.ref,
        topicName: topic.name,
        partitionCount: topicPartitions(topic, config),
        replicationFactor: cluster.replicationFactor,
        configs: Buffer.from(JSON.stringify(topicConfigs(topic, config))).toString('base64'),
      });
      cfnTopic.applyRemovalPolicy(removalPolicy);
    }
    return cfnCluster.ref;
  }

  /** MSK Serverless has no AWS::MSK::Topic: a custom resource creates topics with the Kafka admin API. */
  private adminCreatedTopics(config: PipelineConfig, network: NetworkStack): void {
    const admin = new ServiceFunction(this, 'TopicAdmin', {
      serviceName: 'topic-admin',
      description: 'Creates and grows Kafka topics on MSK Serverless (custom resource)',
      entry: TOPIC_ADMIN_ENTRY,
      config,
      network,
      cluster: this.cluster,
      settings: TOPIC_ADMIN_FUNCTION,
    });
    this.topicAdmin = admin;
    admin.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'kafka-cluster:CreateTopic',
          'kafka-cluster:DescribeTopic',
          'kafka-cluster:AlterTopic',
          'kafka-cluster:DescribeTopicDynamicConfiguration',
        ],
        resources: TOPICS.map((t) => this.cluster.topicArn(this, t.name)),
      }),
    );
    const provider = new cr.Provider(this, 'TopicAdminProvider', {
      onEventHandler: admin,
      logGroup: new logs.LogGroup(this, 'TopicAdminProviderLogs', { retention: config.logRetentionDays }),
    });
    new CustomResource(this, 'Topics', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::KafkaTopics',
      properties: {
        topics: TOPICS.map((t) => ({
          name: t.name,
          partitions: topicPartitions(t, config),
          configs: topicConfigs(t, config),
        })),
      },
    });
  }
}
