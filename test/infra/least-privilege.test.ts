/**
 * Least privilege, read from every policy of every stack of every profile.
 *
 * iam-from-topology.test.ts checks each service function's Kafka grants action by action. This
 * suite looks the other way round, at the cluster: for every topic and consumer group, who may read,
 * write, join or manage it, over every principal the templates create (CDK's own custom-resource
 * roles included), compared both ways with what lib/topology.ts implies. It also proves that no
 * statement anywhere grants a wildcard action on "*", and lists every wildcard CDK generates with
 * the reason it is acceptable.
 */
import {
  CONSUMER_SERVICES,
  consumedTopics,
  consumerGroups,
  deadLetterTopic,
  publishedTopics,
  SERVICES,
  TOPICS,
} from '../../lib/topology';
import { allStatements, asArray, flatten, kafkaResource, type PlacedStatement, roleServices } from './iam-policies';
import { synthPipeline } from './synth';

const PROFILES = ['dev', 'prod', 'dev-serverless'] as const;

/** Who may do what on the cluster: every list sorted, so two matrices compare as plain data. */
interface AccessMatrix {
  readonly connect: string[];
  readonly topics: Record<string, { read: string[]; write: string[]; manage: string[] }>;
  readonly groups: Record<string, { join: string[] }>;
}

/** The matrix lib/topology.ts implies. */
function expectedMatrix(serverless: boolean): AccessMatrix {
  const topics: AccessMatrix['topics'] = {};
  for (const topic of TOPICS) {
    topics[topic.name] = {
      read: SERVICES.filter((s) => consumedTopics(s).includes(topic.name)),
      write: SERVICES.filter(
        (s) => publishedTopics(s).includes(topic.name) || (topic.deadLetter && topic.ownerService === s),
      ),
      // Provisioned clusters get their topics from AWS::MSK::Topic; Serverless from the admin function.
      manage: serverless ? ['topic-admin'] : [],
    };
  }
  const groups: AccessMatrix['groups'] = {};
  for (const service of SERVICES) for (const group of consumerGroups(service)) groups[group] = { join: [service] };
  const connect = [...SERVICES, ...(serverless ? ['topic-admin'] : [])].sort();
  return sortedMatrix({ connect, topics, groups });
}

/** What each kafka-cluster action means for the matrix; the rest only describe. */
const ACCESS_BY_ACTION: Record<string, 'read' | 'write' | 'join' | 'manage' | 'connect'> = {
  'kafka-cluster:ReadData': 'read',
  'kafka-cluster:WriteData': 'write',
  'kafka-cluster:AlterGroup': 'join',
  'kafka-cluster:CreateTopic': 'manage',
  'kafka-cluster:AlterTopic': 'manage',
  'kafka-cluster:DeleteTopic': 'manage',
  'kafka-cluster:Connect': 'connect',
};

/** Actions that read metadata or configuration, or switch the producer to idempotent mode. */
const DESCRIBE_ACTIONS = new Set([
  'kafka-cluster:DescribeTopic',
  'kafka-cluster:DescribeGroup',
  'kafka-cluster:DescribeClusterDynamicConfiguration',
  'kafka-cluster:DescribeTopicDynamicConfiguration',
  'kafka-cluster:WriteDataIdempotently',
]);

/** The matrix the synthesized policies grant, and anything in them the matrix cannot place. */
function grantedMatrix(profile: string): { matrix: AccessMatrix; unplaced: string[] } {
  const { templates, stacks } = synthPipeline(profile);
  const clusterName = stacks.kafka.clusterName;
  const connect = new Set<string>();
  const topics: AccessMatrix['topics'] = {};
  const groups: AccessMatrix['groups'] = {};
  const unplaced: string[] = [];
  for (const topic of TOPICS) topics[topic.name] = { read: [], write: [], manage: [] };

  for (const [stackKey, template] of Object.entries(templates)) {
    const services = roleServices(template);
    for (const placed of allStatements(stackKey, template)) {
      if (placed.statement.Effect !== 'Allow') continue;
      const actions = asArray(placed.statement.Action).filter((a) => a.startsWith('kafka-cluster:'));
      if (actions.length === 0) continue;
      if (placed.kind !== 'identity') {
        unplaced.push(`${placed.where}: kafka-cluster actions in a resource policy`);
        continue;
      }
      // A principal is named by the service its function runs; any other role by where it is.
      const principals = placed.roles.map((role) => services.get(role) ?? `${stackKey}/${role}`);
      for (const action of actions) {
        const access = ACCESS_BY_ACTION[action];
        if (!access && !DESCRIBE_ACTIONS.has(action)) unplaced.push(`${placed.where}: unknown action ${action}`);
        for (const resource of asArray(placed.statement.Resource)) {
          const target = kafkaResource(resource, clusterName);
          for (const principal of principals) {
            if (target.startsWith('unrecognised')) unplaced.push(`${placed.where}: ${action} on ${target}`);
            else if (access === 'connect' && target === 'cluster') connect.add(principal);
            else if (access === 'join' && target.startsWith('group/')) {
              const group = target.slice('group/'.length);
              groups[group] ??= { join: [] };
              groups[group].join.push(principal);
            } else if (access && access !== 'join' && access !== 'connect' && target.startsWith('topic/')) {
              const topic = target.slice('topic/'.length);
              topics[topic] ??= { read: [], write: [], manage: [] };
              topics[topic][access].push(principal);
            } else if (access) unplaced.push(`${placed.where}: ${action} on ${target}`);
          }
        }
      }
    }
  }
  return { matrix: sortedMatrix({ connect: [...connect], topics, groups }), unplaced };
}

function sortedMatrix(matrix: AccessMatrix): AccessMatrix {
  const sorted = (list: string[]): string[] => [...new Set(list)].sort();
  return {
    connect: sorted(matrix.connect),
    topics: Object.fromEntries(
      Object.entries(matrix.topics)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, t]) => [name, { read: sorted(t.read), write: sorted(t.write), manage: sorted(t.manage) }]),
    ),
    groups: Object.fromEntries(
      Object.entries(matrix.groups)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, g]) => [name, { join: sorted(g.join) }]),
    ),
  };
}

describe.each(PROFILES)('profile %s: who may read, write, join and manage what on the cluster', (profile) => {
  const serverless = synthPipeline(profile).config.cluster.mode === 'serverless';
  const { matrix, unplaced } = grantedMatrix(profile);
  const expected = expectedMatrix(serverless);

  it('grants exactly the access matrix the topology implies, over every principal of every stack', () => {
    expect(matrix).toEqual(expected);
  });

  it('names every Kafka resource exactly: no wildcard topic, group or cluster, no unknown action', () => {
    expect(unplaced).toEqual([]);
  });

  it('lets only its owner write a dead-letter topic, and nobody read one', () => {
    for (const service of CONSUMER_SERVICES) {
      expect(matrix.topics[deadLetterTopic(service)]).toEqual({
        read: [],
        write: [service],
        manage: expected.topics[deadLetterTopic(service)]?.manage,
      });
    }
  });

  it('gives each consumer group to one service only', () => {
    for (const [group, { join }] of Object.entries(matrix.groups)) {
      expect([group, join]).toEqual([group, [group.split('.')[0]]]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Wildcards. Each exception CDK or AWS generates is listed, with the reason it is acceptable.
// ---------------------------------------------------------------------------------------------

/**
 * Actions that support no resource-level permissions, so "*" is the only resource they can have:
 * the EC2 Describe calls an MSK event source mapping makes with the function's execution role, and
 * X-Ray's trace upload, which CDK grants for active tracing.
 */
const ACTIONS_ONLY_ON_STAR = new Set([
  'ec2:DescribeVpcs',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
]);

/**
 * Wildcard actions on a named resource (never on "*"). `kms:GenerateDataKey*` is what CDK's
 * topic.grantPublish gives on the notification topic's own key, and what CloudWatch needs on the
 * alarm topic's key: the variants SNS calls.
 */
const SCOPED_WILDCARD_ACTIONS = new Set(['kms:GenerateDataKey*']);

/**
 * The default key policy CDK writes on every customer KMS key (AWS's own default): the account's
 * root may use the key, which hands access to the key over to IAM policies in the same account.
 * In a key policy, Resource "*" means this key only. Nothing else may say `kms:*`.
 */
function isDefaultKeyPolicy(placed: PlacedStatement): boolean {
  const { statement } = placed;
  const root = flatten((statement.Principal as { AWS?: unknown } | undefined)?.AWS);
  return (
    placed.resourceType === 'AWS::KMS::Key' &&
    asArray(statement.Action).join() === 'kms:*' &&
    asArray(statement.Resource).join() === '*' &&
    /^arn:<token>:iam::<token>:root$|^arn:aws:iam::<token>:root$/.test(root)
  );
}

/**
 * A key policy's grant to an AWS service principal, confined to this account's requests
 * (aws:SourceAccount and aws:SourceArn): the alarm topic key lets CloudWatch encrypt alarm
 * notifications. In a key policy Resource "*" means this key only, so it counts as the key.
 */
function isConfinedServiceGrantOnThisKey(placed: PlacedStatement): boolean {
  const { statement } = placed;
  const condition = JSON.stringify(statement.Condition ?? {});
  return (
    placed.resourceType === 'AWS::KMS::Key' &&
    (statement.Principal as { Service?: unknown } | undefined)?.Service !== undefined &&
    asArray(statement.Resource).join() === '*' &&
    condition.includes('"aws:SourceAccount"') &&
    condition.includes('"aws:SourceArn"')
  );
}

/**
 * Resources with a wildcard in them (other than "*" itself): the CDK provider framework may invoke
 * any version of the topic-admin function (`<function arn>:*`), and nothing else.
 */
function isFunctionVersions(action: string, resource: string): boolean {
  return action === 'lambda:InvokeFunction' && resource === '<token>:*';
}

/** AWS managed policies attached to roles, each with why. Anything else attached fails. */
const MANAGED_POLICIES: Record<string, string> = {
  'service-role/AWSLambdaBasicExecutionRole': 'log delivery of CDK custom-resource handlers',
  'service-role/AWSLambdaVPCAccessExecutionRole': 'ENI management of VPC-attached functions (no resource scoping)',
  'service-role/AmazonAPIGatewayPushToCloudWatchLogs': "API Gateway's account-level logging role",
};

describe.each(PROFILES)('profile %s: no wildcard grants', (profile) => {
  const { templates } = synthPipeline(profile);
  const statements = Object.entries(templates).flatMap(([key, template]) => allStatements(key, template));
  const allows = statements.filter((p) => p.statement.Effect === 'Allow');

  it('reads policies from every kind of holder (so the checks below see them all)', () => {
    const kinds = new Set(statements.map((p) => p.resourceType));
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining(['AWS::IAM::Policy', 'AWS::KMS::Key', 'AWS::SNS::TopicPolicy']),
    );
  });

  it('never allows NotAction or NotResource, which grant everything but a list', () => {
    const broad = allows.filter((p) => p.statement.NotAction !== undefined || p.statement.NotResource !== undefined);
    expect(broad.map((p) => p.where)).toEqual([]);
  });

  it('grants no wildcard action on "*", and on "*" only actions that have no resource-level permissions', () => {
    const offending: string[] = [];
    for (const placed of allows) {
      if (isDefaultKeyPolicy(placed)) continue;
      const actions = asArray(placed.statement.Action);
      const resources = isConfinedServiceGrantOnThisKey(placed)
        ? ['<this key>']
        : asArray(placed.statement.Resource).map(flatten);
      for (const action of actions) {
        if (action.includes('*') && !(SCOPED_WILDCARD_ACTIONS.has(action) && !resources.includes('*'))) {
          offending.push(`${placed.where}: wildcard action ${action} on ${resources.join(', ')}`);
        }
        if (resources.includes('*') && !ACTIONS_ONLY_ON_STAR.has(action)) {
          offending.push(`${placed.where}: ${action} on "*"`);
        }
        for (const resource of resources) {
          if (resource !== '*' && resource.includes('*') && !isFunctionVersions(action, resource)) {
            offending.push(`${placed.where}: ${action} on wildcard resource ${resource}`);
          }
        }
      }
    }
    expect(offending).toEqual([]);
  });

  it('grants no kafka or kafka-cluster action with a wildcard, on "*", or in a resource policy', () => {
    const offending = statements.flatMap((placed) =>
      asArray(placed.statement.Action)
        .filter((action) => action.startsWith('kafka-cluster:') || action.startsWith('kafka:'))
        .filter(
          (action) =>
            action.includes('*') ||
            placed.kind === 'resource' ||
            asArray(placed.statement.Resource).some((r) => flatten(r).includes('*')),
        )
        .map((action) => `${placed.where}: ${action}`),
    );
    expect(offending).toEqual([]);
  });

  it('uses kms:* only in the default key policy of its own customer keys', () => {
    const keyAdmin = allows.filter((p) => asArray(p.statement.Action).includes('kms:*'));
    expect(keyAdmin.length).toBeGreaterThan(0);
    for (const placed of keyAdmin) expect(isDefaultKeyPolicy(placed)).toBe(true);
  });

  it('attaches only the AWS managed policies listed, each for a stated reason', () => {
    const attached = new Set<string>();
    for (const template of Object.values(templates)) {
      for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
        for (const arn of asArray(
          (role as { Properties: { ManagedPolicyArns?: unknown[] } }).Properties.ManagedPolicyArns,
        )) {
          attached.add(flatten(arn).replace(/^arn:<token>:iam::aws:policy\//, ''));
        }
      }
    }
    expect([...attached].filter((name) => !(name in MANAGED_POLICIES))).toEqual([]);
  });
});
