import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { PipelineStacks } from './pipeline';

/**
 * Every cdk-nag AwsSolutions finding we accept, each with its reason, acknowledged at the narrowest
 * scope that carries it (a single finding id where the rule reports several). Any other finding
 * fails synth.
 */
export function applyNagSuppressions(stacks: PipelineStacks): void {
  const all = [stacks.network, stacks.kafka, stacks.services, stacks.api, stacks.observability];
  for (const stack of all) {
    acknowledge(
      stack,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AWS documents this managed policy for Lambda log delivery; CDK custom-resource handlers use it.',
    );
    acknowledge(
      stack,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'AWS documents this managed policy for VPC-attached functions (ENI management has no resource scoping).',
    );
    acknowledge(
      stack,
      'AwsSolutions-IAM5[Resource::*]',
      'Only for actions without resource-level permissions: ec2:Describe* (needed by MSK event source ' +
        'mappings) and X-Ray PutTraceSegments/PutTelemetryRecords. Kafka and data actions are all scoped.',
    );
  }
  acknowledge(
    stacks.api,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    "API Gateway's account-level logging role; AWS documents this managed policy for it.",
  );
  acknowledge(
    stacks.api.api,
    'AwsSolutions-APIG3',
    'Every method requires SigV4 (IAM) and the stage is throttled; a WAF web ACL adds cost and no ' +
      'protection against signed callers. Put one in front if the API is ever exposed more widely.',
  );
  acknowledge(stacks.api.api, 'AwsSolutions-COG4', 'IAM authorization is the design: callers are AWS principals.');
  acknowledge(
    stacks.services.functions.notification,
    'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    'Granted by topic.grantPublish on the notification topic key only; the wildcard covers the GenerateDataKey variants SNS uses.',
  );
  for (const stack of all) {
    for (const child of stack.node.findAll()) {
      // Our functions run the newest Node.js runtime aws-cdk-lib offers (lib/function-settings.ts), so
      // AwsSolutions-L1 has nothing to say about them; CDK's own singleton handlers pin theirs.
      if (/AWS679f53fac002430cb0da5b7982bd2287|framework-onEvent/.test(child.node.id)) {
        acknowledge(child, 'AwsSolutions-L1', 'CDK-managed custom resource handler; aws-cdk-lib chooses its runtime.');
      }
      const admin = stacks.kafka.topicAdmin;
      if (child.node.id === 'framework-onEvent' && admin) {
        const logicalId = Stack.of(admin).getLogicalId(admin.node.defaultChild as CfnElement);
        acknowledge(
          child,
          `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
          'CDK provider framework: may invoke any version of our own topic-admin function.',
        );
      }
    }
  }
}

function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });
}
