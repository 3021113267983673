/**
 * Reads IAM out of synthesized templates: every policy statement, where it comes from, and which
 * principal (function or CDK-made role) it applies to. Shared by the IAM and least-privilege tests.
 */
import type { Template } from 'aws-cdk-lib/assertions';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export type Resources = Record<string, CfnResource>;

export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

export interface PlacedStatement {
  /** The stack key (network, kafka, ...) and the logical id of the resource holding the statement. */
  readonly where: string;
  /** Identity policies apply to roles; resource policies (key, topic, bucket) name their principal. */
  readonly kind: 'identity' | 'resource';
  readonly resourceType: string;
  /** For identity policies: logical ids of the roles they are attached to. */
  readonly roles: readonly string[];
  readonly statement: Statement;
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

const RESOURCE_POLICIES: Record<string, string> = {
  'AWS::KMS::Key': 'KeyPolicy',
  'AWS::SNS::TopicPolicy': 'PolicyDocument',
  'AWS::S3::BucketPolicy': 'PolicyDocument',
  'AWS::SQS::QueuePolicy': 'PolicyDocument',
};

function statementsOf(document: unknown): Statement[] {
  return asArray((document as { Statement?: Statement | Statement[] } | undefined)?.Statement);
}

function refs(value: unknown): string[] {
  return asArray(value as { Ref?: string } | { Ref?: string }[]).flatMap((r) => (r?.Ref ? [r.Ref] : []));
}

/** Every statement of every policy in a template: identity policies, inline role policies, resource policies. */
export function allStatements(stackKey: string, template: Template): PlacedStatement[] {
  const placed: PlacedStatement[] = [];
  for (const [id, resource] of Object.entries(template.toJSON().Resources as Resources)) {
    const props = resource.Properties ?? {};
    const where = `${stackKey}/${id}`;
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      for (const statement of statementsOf(props.PolicyDocument)) {
        placed.push({ where, kind: 'identity', resourceType: resource.Type, roles: refs(props.Roles), statement });
      }
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of asArray(props.Policies as { PolicyDocument: unknown }[] | undefined)) {
        for (const statement of statementsOf(policy.PolicyDocument)) {
          placed.push({ where, kind: 'identity', resourceType: resource.Type, roles: [id], statement });
        }
      }
    }
    const resourcePolicy = RESOURCE_POLICIES[resource.Type];
    if (resourcePolicy) {
      for (const statement of statementsOf(props[resourcePolicy])) {
        placed.push({ where, kind: 'resource', resourceType: resource.Type, roles: [], statement });
      }
    }
  }
  return placed;
}

/** Role logical id to the service its function runs (POWERTOOLS_SERVICE_NAME), for every function in a template. */
export function roleServices(template: Template): Map<string, string> {
  const services = new Map<string, string>();
  for (const fn of Object.values(template.toJSON().Resources as Resources)) {
    if (fn.Type !== 'AWS::Lambda::Function') continue;
    const env = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    const service = env?.POWERTOOLS_SERVICE_NAME;
    const role = (fn.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
    if (typeof service === 'string' && role) services.set(role, service);
  }
  return services;
}

/** A CloudFormation string with its intrinsic parts as `<token>`, Fn::Join and Fn::Sub resolved. */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { 'Fn::Sub'?: unknown })['Fn::Sub'] === 'string') {
    return ((value as { 'Fn::Sub': string })['Fn::Sub'] as string).replace(/\$\{[^}]+\}/g, '<token>');
  }
  if (value && typeof value === 'object' && 'Fn::Join' in value) {
    const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts.map(flatten).join(separator);
  }
  return '<token>';
}

/** Names an MSK IAM resource: `cluster`, `topic/<name>` or `group/<id>`, from its CloudFormation form. */
export function kafkaResource(resource: unknown, clusterName: string): string {
  const flat = flatten(resource);
  const match = new RegExp(`:(topic|group)/${clusterName}/<token>/(.+)$`).exec(flat);
  if (match) return `${match[1]}/${match[2]}`;
  // The cluster ARN itself arrives as a reference to (or an import of) the Kafka stack's cluster.
  if (flat === '<token>' && JSON.stringify(resource).includes('Cluster')) return 'cluster';
  return `unrecognised ${JSON.stringify(resource)}`;
}
