/**
 * The Kafka permissions of every function, derived from the topology, must equal what the
 * synthesized policies grant: nothing missing (the service would fail on AWS) and nothing extra
 * (least privilege). Compared both ways, as sets of "action on resource" strings.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import {
  consumedTopics,
  consumerGroups,
  deadLetterTopic,
  publishedTopics,
  SERVICE_SPECS,
  SERVICES,
  type ServiceName,
} from '../../lib/topology';
import { asArray, kafkaResource } from './iam-policies';
import { synthPipeline } from './synth';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

function expectedKafkaGrants(service: ServiceName): Set<string> {
  const grants = new Set<string>(['kafka-cluster:Connect on cluster']);
  const published = publishedTopics(service);
  if (published.length > 0) grants.add('kafka-cluster:WriteDataIdempotently on cluster');
  for (const topic of published) {
    grants.add(`kafka-cluster:DescribeTopic on topic/${topic}`);
    grants.add(`kafka-cluster:WriteData on topic/${topic}`);
  }
  if (service !== 'order-api' && SERVICE_SPECS[service].trigger === 'kafka') {
    grants.add('kafka-cluster:DescribeClusterDynamicConfiguration on cluster');
    for (const topic of consumedTopics(service)) {
      grants.add(`kafka-cluster:DescribeTopic on topic/${topic}`);
      grants.add(`kafka-cluster:ReadData on topic/${topic}`);
    }
    for (const group of consumerGroups(service)) {
      grants.add(`kafka-cluster:DescribeGroup on group/${group}`);
      grants.add(`kafka-cluster:AlterGroup on group/${group}`);
    }
    grants.add(`kafka-cluster:DescribeTopic on topic/${deadLetterTopic(service)}`);
    grants.add(`kafka-cluster:WriteData on topic/${deadLetterTopic(service)}`);
  }
  return grants;
}

/** Kafka grants per service, read from the roles of the functions in a template. */
function grantedKafka(template: Template, clusterName: string): Map<ServiceName, Set<string>> {
  const resources = template.toJSON().Resources as Resources;
  const roleToService = new Map<string, ServiceName>();
  for (const fn of Object.values(resources)) {
    if (fn.Type !== 'AWS::Lambda::Function') continue;
    const env = (fn.Properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables;
    const service = env?.POWERTOOLS_SERVICE_NAME as ServiceName | undefined;
    const role = (fn.Properties.Role as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0];
    if (service && role && (SERVICES as readonly string[]).includes(service)) roleToService.set(role, service);
  }
  const granted = new Map<ServiceName, Set<string>>();
  for (const policy of Object.values(resources)) {
    if (policy.Type !== 'AWS::IAM::Policy') continue;
    const roles = (policy.Properties.Roles as { Ref: string }[]).map((r) => r.Ref);
    const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    for (const role of roles) {
      const service = roleToService.get(role);
      if (!service) continue;
      const set = granted.get(service) ?? new Set<string>();
      granted.set(service, set);
      for (const statement of statements) {
        const actions = asArray(statement.Action as string | string[]).filter((a) => a.startsWith('kafka-cluster:'));
        for (const action of actions) {
          for (const resource of asArray(statement.Resource))
            set.add(`${action} on ${kafkaResource(resource, clusterName)}`);
        }
      }
    }
  }
  return granted;
}

describe.each(['dev', 'prod', 'dev-serverless'])('profile %s: Kafka IAM matches the topology', (profile) => {
  const { templates, stacks } = synthPipeline(profile);
  const clusterName = stacks.kafka.clusterName;
  const granted = new Map([
    ...grantedKafka(templates.services, clusterName),
    ...grantedKafka(templates.api, clusterName),
  ]);

  it.each([...SERVICES])('%s has exactly the Kafka permissions its subscriptions and events need', (service) => {
    const actual = granted.get(service);
    expect(actual).toBeDefined();
    expect([...(actual ?? [])].sort()).toEqual([...expectedKafkaGrants(service)].sort());
  });

  it('grants no kafka-cluster wildcard action and no kafka-cluster action on "*"', () => {
    for (const template of Object.values(templates)) {
      const policies = template.findResources('AWS::IAM::Policy') as Resources;
      for (const policy of Object.values(policies)) {
        const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
        for (const statement of statements) {
          const actions = asArray(statement.Action as string | string[]);
          expect(actions).not.toContain('kafka-cluster:*');
          if (actions.some((a) => a.startsWith('kafka-cluster:') || a.startsWith('kafka:'))) {
            expect(asArray(statement.Resource)).not.toContain('*');
          }
        }
      }
    }
  });
});
