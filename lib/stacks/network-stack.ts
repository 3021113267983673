import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { PipelineConfig } from '../config';

/** MSK's port for SASL/IAM over TLS; the only port clients may use. */
export const MSK_IAM_PORT = 9098;

export interface NetworkStackProps extends StackProps {
  readonly config: PipelineConfig;
}

/**
 * A VPC over three AZs with isolated subnets only: nothing in it reaches the internet.
 *
 * Functions need the brokers (in the VPC), DynamoDB (gateway endpoint, free) and SNS (interface
 * endpoint, notification only). Provisioned-mode ESMs need neither NAT nor endpoints. Logs, metrics
 * (EMF) and traces leave through the Lambda service, not the VPC. So there is no NAT gateway: three
 * NATs would cost about $100/month before data, the SNS endpoint about $22/month over three AZs.
 */
export class NetworkStack extends Stack {
  readonly vpc: ec2.Vpc;
  /** Brokers, and the ENIs of provisioned ESM pollers, which run in the cluster's security group. */
  readonly clusterSecurityGroup: ec2.SecurityGroup;
  /** Every Lambda function attached to the VPC. */
  readonly functionSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      availabilityZones: [...config.availabilityZones],
      natGateways: 0,
      subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 }],
      restrictDefaultSecurityGroup: true,
      flowLogs: {
        rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, 'FlowLogs', { retention: config.logRetentionDays }),
          ),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });

    this.clusterSecurityGroup = new ec2.SecurityGroup(this, 'ClusterSg', {
      vpc: this.vpc,
      description: 'MSK brokers and ESM pollers: IAM port only',
      allowAllOutbound: false,
    });
    this.functionSecurityGroup = new ec2.SecurityGroup(this, 'FunctionSg', {
      vpc: this.vpc,
      description: 'Pipeline Lambda functions',
      allowAllOutbound: false,
    });

    const iamPort = ec2.Port.tcp(MSK_IAM_PORT);
    this.clusterSecurityGroup.addIngressRule(this.functionSecurityGroup, iamPort, 'functions to brokers (IAM)');
    // ESM pollers sit in the cluster's own security group, so it must admit itself.
    this.clusterSecurityGroup.addIngressRule(this.clusterSecurityGroup, iamPort, 'ESM pollers to brokers (IAM)');
    this.clusterSecurityGroup.addEgressRule(this.clusterSecurityGroup, iamPort, 'ESM pollers to brokers (IAM)');
    this.functionSecurityGroup.addEgressRule(this.clusterSecurityGroup, iamPort, 'functions to brokers (IAM)');

    this.vpc.addGatewayEndpoint('DynamoDb', { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB });
    const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSg', {
      vpc: this.vpc,
      description: 'Interface endpoints: HTTPS from functions',
      allowAllOutbound: false,
    });
    endpointSecurityGroup.addIngressRule(this.functionSecurityGroup, ec2.Port.tcp(443), 'functions to endpoints');
    this.vpc.addInterfaceEndpoint('Sns', {
      service: ec2.InterfaceVpcEndpointAwsService.SNS,
      securityGroups: [endpointSecurityGroup],
      privateDnsEnabled: true,
      open: false,
    });
    // HTTPS to the SNS endpoint and to DynamoDB's gateway endpoint, which is a route to AWS's
    // public ranges rather than an ENI; its prefix-list id is only known by a lookup, which synth
    // without credentials cannot do. The subnets have no internet route, so nothing else is reachable.
    this.functionSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to SNS and DynamoDB endpoints',
    );
  }
}
