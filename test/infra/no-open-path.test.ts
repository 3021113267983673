/**
 * No unauthenticated path to the brokers or the API, and TLS on every hop, in every profile.
 *
 * API Gateway's execute-api endpoints answer HTTPS only (there is no HTTP listener to turn off), so
 * the API's part here is that every method demands SigV4 and nothing else invokes the function.
 */
import { ENV } from '../../lib/runtime-contract';
import { MSK_IAM_PORT } from '../../lib/stacks/network-stack';
import { asArray, type CfnResource, flatten, type Resources } from './iam-policies';
import { synthPipeline } from './synth';

const PROFILES = ['dev', 'prod', 'dev-serverless'] as const;

/** Every resource of one type across the five stacks, by `stack/logicalId`. */
function resourcesOf(profile: string, type: string): [string, CfnResource][] {
  const { templates } = synthPipeline(profile);
  return Object.entries(templates).flatMap(([stack, template]) =>
    Object.entries(template.toJSON().Resources as Resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([id, resource]): [string, CfnResource] => [`${stack}/${id}`, resource]),
  );
}

const props = (resource: CfnResource): Record<string, unknown> => resource.Properties ?? {};

describe.each(PROFILES)('profile %s: the brokers', (profile) => {
  const { config } = synthPipeline(profile);
  const provisioned = resourcesOf(profile, 'AWS::MSK::Cluster');
  const serverless = resourcesOf(profile, 'AWS::MSK::ServerlessCluster');

  it('has one cluster, of the mode the profile chooses', () => {
    expect(provisioned.length + serverless.length).toBe(1);
    expect(serverless.length).toBe(config.cluster.mode === 'serverless' ? 1 : 0);
  });

  it('authenticates clients with IAM only: no unauthenticated access, no SCRAM, no mutual TLS', () => {
    for (const [, cluster] of provisioned) {
      expect(props(cluster).ClientAuthentication).toEqual({
        Sasl: { Iam: { Enabled: true }, Scram: { Enabled: false } },
        Unauthenticated: { Enabled: false },
      });
    }
    // MSK Serverless supports IAM only, always over TLS.
    for (const [, cluster] of serverless) {
      expect(props(cluster).ClientAuthentication).toEqual({ Sasl: { Iam: { Enabled: true } } });
    }
  });

  it('encrypts client-broker and in-cluster traffic with TLS, with no plaintext listener', () => {
    for (const [, cluster] of provisioned) {
      expect((props(cluster).EncryptionInfo as Record<string, unknown>).EncryptionInTransit).toEqual({
        ClientBroker: 'TLS',
        InCluster: true,
      });
    }
  });

  it('offers no public or cross-VPC access to the brokers', () => {
    for (const [, cluster] of provisioned) {
      const connectivity = (props(cluster).BrokerNodeGroupInfo as Record<string, unknown>).ConnectivityInfo as
        | { PublicAccess?: { Type?: string }; VpcConnectivity?: unknown }
        | undefined;
      expect(connectivity?.PublicAccess?.Type ?? 'DISABLED').toBe('DISABLED');
      expect(connectivity?.VpcConnectivity).toBeUndefined();
    }
  });

  it('denies any operation no IAM policy allows (no allow-everyone fallback)', () => {
    for (const [, configuration] of resourcesOf(profile, 'AWS::MSK::Configuration')) {
      expect(String(props(configuration).ServerProperties).split('\n')).toContain(
        'allow.everyone.if.no.acl.found=false',
      );
    }
  });

  it('has functions connect with IAM to the SASL/IAM (TLS) bootstrap brokers', () => {
    const functions = resourcesOf(profile, 'AWS::Lambda::Function').filter(([, fn]) =>
      JSON.stringify(props(fn).Environment ?? {}).includes(ENV.kafkaBootstrapServers),
    );
    expect(functions.length).toBeGreaterThanOrEqual(6);
    for (const [, fn] of functions) {
      const variables = (props(fn).Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables[ENV.kafkaAuth]).toBe('iam');
      expect(JSON.stringify(variables[ENV.kafkaBootstrapServers])).toContain('BootstrapBrokerStringSaslIam');
    }
  });
});

describe.each(PROFILES)('profile %s: the network', (profile) => {
  /** Every ingress rule, inline in a security group or standalone. */
  const ingress = [
    ...resourcesOf(profile, 'AWS::EC2::SecurityGroup').flatMap(([where, group]) =>
      asArray(props(group).SecurityGroupIngress as Record<string, unknown>[] | undefined).map(
        (rule): [string, Record<string, unknown>] => [where, { ...rule, GroupId: where }],
      ),
    ),
    ...resourcesOf(profile, 'AWS::EC2::SecurityGroupIngress').map(
      ([where, rule]): [string, Record<string, unknown>] => [where, props(rule)],
    ),
  ];

  it('admits no traffic from 0.0.0.0/0 or ::/0, nor from any address range: only from security groups', () => {
    expect(ingress.length).toBeGreaterThan(0);
    for (const [where, rule] of ingress) {
      expect([where, rule.CidrIp, rule.CidrIpv6, rule.SourcePrefixListId]).toEqual([
        where,
        undefined,
        undefined,
        undefined,
      ]);
      expect(rule.SourceSecurityGroupId).toBeDefined();
    }
  });

  it('opens the brokers on the IAM port only (no plaintext 9092, TLS 9094, SCRAM 9096 or ZooKeeper)', () => {
    const brokerRules = ingress.filter(([, rule]) => JSON.stringify(rule.GroupId).includes('ClusterSg'));
    expect(brokerRules.length).toBeGreaterThan(0);
    for (const [, rule] of brokerRules) {
      expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: MSK_IAM_PORT, ToPort: MSK_IAM_PORT });
    }
  });

  it('lets functions out on HTTPS and the IAM port only', () => {
    const egress = resourcesOf(profile, 'AWS::EC2::SecurityGroupEgress').map(([, rule]) => props(rule));
    const fromFunctions = egress.filter((rule) => JSON.stringify(rule.GroupId).includes('FunctionSg'));
    expect(fromFunctions.length).toBeGreaterThan(0);
    for (const rule of fromFunctions) expect([443, MSK_IAM_PORT]).toContain(rule.FromPort);
  });

  it('has no internet gateway, no NAT gateway and no subnet that gives out public addresses', () => {
    expect(resourcesOf(profile, 'AWS::EC2::InternetGateway')).toEqual([]);
    expect(resourcesOf(profile, 'AWS::EC2::NatGateway')).toEqual([]);
    for (const [, subnet] of resourcesOf(profile, 'AWS::EC2::Subnet')) {
      expect(props(subnet).MapPublicIpOnLaunch).not.toBe(true);
    }
  });
});

describe.each(PROFILES)('profile %s: the API', (profile) => {
  it('requires IAM (SigV4) on every method; none is open, custom-authorized or API-key-only', () => {
    const methods = resourcesOf(profile, 'AWS::ApiGateway::Method');
    expect(methods.map(([, m]) => props(m).HttpMethod).sort()).toEqual(['GET', 'POST', 'POST']);
    for (const [, method] of methods) {
      expect(props(method).AuthorizationType).toBe('AWS_IAM');
      expect(props(method).AuthorizerId).toBeUndefined();
    }
    expect(resourcesOf(profile, 'AWS::ApiGateway::Authorizer')).toEqual([]);
  });

  it('exposes no other way in: no HTTP API, no function URL, no custom domain without TLS 1.2', () => {
    for (const type of ['AWS::ApiGatewayV2::Api', 'AWS::Lambda::Url']) expect(resourcesOf(profile, type)).toEqual([]);
    for (const [, domain] of resourcesOf(profile, 'AWS::ApiGateway::DomainName')) {
      expect(props(domain).SecurityPolicy).toBe('TLS_1_2');
    }
  });

  it('lets only API Gateway, from this API, invoke a function through a resource permission', () => {
    const permissions = resourcesOf(profile, 'AWS::Lambda::Permission');
    expect(permissions.length).toBeGreaterThan(0);
    for (const [where, permission] of permissions) {
      const { Principal, SourceArn } = props(permission);
      expect([where, Principal]).toEqual([where, 'apigateway.amazonaws.com']);
      expect(flatten(SourceArn)).toMatch(/^arn:[^:]+:execute-api:[^:]+:<token>:<token>\/.+/);
      expect(JSON.stringify(SourceArn)).toContain('Api');
    }
  });
});

describe.each(PROFILES)('profile %s: TLS on AWS', (profile) => {
  const topicPolicies = resourcesOf(profile, 'AWS::SNS::TopicPolicy');

  it.each(['AWS::SNS::Topic'])('has every %s refuse requests that are not over TLS', (type) => {
    const topics = resourcesOf(profile, type);
    expect(topics.length).toBeGreaterThan(0);
    for (const [where, _topic] of topics) {
      const id = where.split('/')[1];
      const denying = topicPolicies.filter(([, policy]) => {
        const covers = asArray(props(policy).Topics as { Ref?: string }[]).some((t) => t.Ref === id);
        const statements = (props(policy).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
        return (
          covers &&
          statements.some(
            (s) =>
              s.Effect === 'Deny' &&
              JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
          )
        );
      });
      expect([where, denying.length]).toEqual([where, 1]);
    }
  });

  it('has every S3 bucket, if any, refuse requests that are not over TLS', () => {
    const policies = resourcesOf(profile, 'AWS::S3::BucketPolicy').map(([, p]) => JSON.stringify(props(p)));
    for (const [where] of resourcesOf(profile, 'AWS::S3::Bucket')) {
      const id = where.split('/')[1] as string;
      expect([where, policies.some((p) => p.includes(id) && p.includes('"aws:SecureTransport":"false"'))]).toEqual([
        where,
        true,
      ]);
    }
  });

  it('reaches SNS through an interface endpoint that admits HTTPS only', () => {
    const endpoints = resourcesOf(profile, 'AWS::EC2::VPCEndpoint').filter(
      ([, e]) => props(e).VpcEndpointType === 'Interface',
    );
    expect(endpoints.length).toBeGreaterThan(0);
    const endpointRules = resourcesOf(profile, 'AWS::EC2::SecurityGroupIngress')
      .map(([, rule]) => props(rule))
      .filter((rule) => JSON.stringify(rule.GroupId).includes('EndpointSg'));
    expect(endpointRules.length).toBeGreaterThan(0);
    for (const rule of endpointRules) expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443 });
  });
});
