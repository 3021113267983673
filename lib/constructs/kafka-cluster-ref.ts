import { Arn, ArnFormat, Fn, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * What other stacks need to know about the MSK cluster, and the ARNs of its topics and groups.
 *
 * MSK IAM resources are named `<type>/<clusterName>/<clusterUuid>/<name>`; the UUID is only known
 * after deployment, so it is cut out of the cluster ARN (`cluster/<name>/<uuid>`) with Fn::Split.
 */
export class KafkaClusterRef {
  constructor(
    readonly clusterArn: string,
    readonly clusterName: string,
    readonly bootstrapServers: string,
  ) {}

  topicArn(scope: IConstruct, topic: string): string {
    return this.dataPlaneArn(scope, 'topic', topic);
  }

  groupArn(scope: IConstruct, groupId: string): string {
    return this.dataPlaneArn(scope, 'group', groupId);
  }

  private dataPlaneArn(scope: IConstruct, type: 'topic' | 'group', name: string): string {
    const uuid = Fn.select(2, Fn.split('/', this.clusterArn));
    return Arn.format(
      {
        service: 'kafka',
        resource: type,
        resourceName: `${this.clusterName}/${uuid}/${name}`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      },
      Stack.of(scope),
    );
  }
}
