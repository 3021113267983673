import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { API_ROUTES, type ApiRoute, MODEL_CONTENT_TYPE, pathParameterNames, routeKey } from '../../lib/api-routes';
import { SEED_CATALOGUE } from '../../lib/catalogue-seed';
import { KAFKA_VERSION } from '../../lib/config';
import {
  BAD_REQUEST_BODY,
  jsonStringContent,
  renderGatewayTemplate,
  VALIDATION_ERROR_STRING,
} from '../../lib/gateway-responses';
import { MAX_FILTERS_PER_ESM, subscriptionFilterPatterns } from '../../lib/subscription-filters';
import {
  CONSUMER_SERVICES,
  cloudEventType,
  consumerGroupId,
  deadLetterTopic,
  domainTopic,
  EVENT_NAMES,
  EVENTS,
  MAX_EVENT_BYTES,
  SERVICE_SPECS,
  TOPICS,
} from '../../lib/topology';
import { synthPipeline } from './synth';

describe('Kafka stack (provisioned, dev)', () => {
  const { templates, config } = synthPipeline('dev');
  const kafka = templates.kafka;

  it('runs the configured Kafka version with IAM as the only client authentication, TLS everywhere and a customer KMS key', () => {
    kafka.hasResourceProperties('AWS::MSK::Cluster', {
      KafkaVersion: KAFKA_VERSION.msk,
      ClientAuthentication: {
        Sasl: { Iam: { Enabled: true }, Scram: { Enabled: false } },
        Unauthenticated: { Enabled: false },
      },
      EncryptionInfo: {
        EncryptionAtRest: { DataVolumeKMSKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('DataKey'), 'Arn'] } },
        EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true },
      },
    });
    kafka.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('spreads its brokers over three AZs and ships broker logs, enhanced and open monitoring', () => {
    kafka.hasResourceProperties('AWS::MSK::Cluster', {
      NumberOfBrokerNodes: 3,
      EnhancedMonitoring: 'PER_TOPIC_PER_BROKER',
      OpenMonitoring: {
        Prometheus: { JmxExporter: { EnabledInBroker: true }, NodeExporter: { EnabledInBroker: true } },
      },
      LoggingInfo: { BrokerLogs: { CloudWatchLogs: { Enabled: true } } },
    });
    const cluster = Object.values(kafka.findResources('AWS::MSK::Cluster'))[0] as {
      Properties: { BrokerNodeGroupInfo: { ClientSubnets: unknown[] } };
    };
    expect(cluster.Properties.BrokerNodeGroupInfo.ClientSubnets).toHaveLength(3);
  });

  it('pins the broker configuration that protects durability', () => {
    const configuration = Object.values(kafka.findResources('AWS::MSK::Configuration'))[0] as {
      Properties: { ServerProperties: string };
    };
    const lines = configuration.Properties.ServerProperties.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'auto.create.topics.enable=false',
        'default.replication.factor=3',
        'min.insync.replicas=2',
        'unclean.leader.election.enable=false',
      ]),
    );
  });

  it('follows the latest revision of its broker configuration, so changed settings reach the brokers', () => {
    const [configId] = Object.keys(kafka.findResources('AWS::MSK::Configuration'));
    kafka.hasResourceProperties('AWS::MSK::Cluster', {
      ConfigurationInfo: {
        Arn: { 'Fn::GetAtt': [configId, 'Arn'] },
        Revision: { 'Fn::GetAtt': [configId, 'LatestRevision.Revision'] },
      },
    });
  });

  it('declares every topology topic, domain and dead-letter, as AWS::MSK::Topic with its partitions and retention', () => {
    kafka.resourceCountIs('AWS::MSK::Topic', TOPICS.length);
    for (const topic of TOPICS) {
      const partitions = topic.deadLetter ? config.deadLetterPartitions : config.partitions;
      const configs = Buffer.from(
        JSON.stringify({
          'retention.ms': String(topic.retentionHours * 3_600_000),
          'cleanup.policy': 'delete',
          // A dead-letter record carries a whole domain record base64-encoded, so it may be bigger.
          'max.message.bytes': String(topic.deadLetter ? 4 * MAX_EVENT_BYTES : 2 * MAX_EVENT_BYTES),
          'min.insync.replicas': '2',
        }),
      ).toString('base64');
      kafka.hasResourceProperties('AWS::MSK::Topic', {
        TopicName: topic.name,
        PartitionCount: partitions,
        ReplicationFactor: 3,
        Configs: configs,
      });
    }
  });
});

describe('Kafka stack (serverless)', () => {
  const { templates } = synthPipeline('dev-serverless');

  it('creates an IAM-only serverless cluster and its topics through the admin custom resource', () => {
    templates.kafka.hasResourceProperties('AWS::MSK::ServerlessCluster', {
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } } },
    });
    templates.kafka.resourceCountIs('AWS::MSK::Topic', 0);
    templates.kafka.hasResourceProperties('Custom::KafkaTopics', {
      topics: Match.arrayWith(TOPICS.map((t) => Match.objectLike({ name: t.name }))),
    });
  });
});

describe('Network stack', () => {
  const { templates } = synthPipeline('dev');

  it('lets functions and ESM pollers reach the brokers on the IAM port only', () => {
    const ingress = templates.network.findResources('AWS::EC2::SecurityGroupIngress');
    const brokerRules = Object.values(ingress).map((r) => (r as { Properties: Record<string, unknown> }).Properties);
    const clusterRules = brokerRules.filter((r) => JSON.stringify(r.GroupId).includes('ClusterSg'));
    expect(clusterRules.length).toBeGreaterThan(0);
    for (const rule of clusterRules) {
      expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 9098, ToPort: 9098 });
      expect(rule.CidrIp).toBeUndefined();
    }
  });

  it('has no NAT gateway and no internet gateway', () => {
    templates.network.resourceCountIs('AWS::EC2::NatGateway', 0);
    templates.network.resourceCountIs('AWS::EC2::InternetGateway', 0);
    templates.network.resourceCountIs('AWS::EC2::Subnet', 3);
  });
});

describe('Services stack', () => {
  const { templates, config } = synthPipeline('prod');
  const services = templates.services;

  it.each(
    CONSUMER_SERVICES.flatMap((service) => SERVICE_SPECS[service].subscriptions.map((sub) => [service, sub] as const)),
  )('%s subscription %p has an ESM configured from the topology', (service, sub) => {
    services.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      Topics: [domainTopic(sub.domain)],
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: consumerGroupId(service, sub.domain) },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: sub.batchSize,
      MaximumBatchingWindowInSeconds: sub.batchingWindowSeconds,
      MaximumRetryAttempts: sub.retryAttempts,
      BisectBatchOnFunctionError: sub.bisectOnError,
      MaximumRecordAgeInSeconds: sub.maxRecordAgeSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ProvisionedPollerConfig: {
        MinimumPollers: config.pollers.min,
        MaximumPollers: config.pollers.max,
        PollerGroupName: 'order-pipeline-prod',
      },
      DestinationConfig: { OnFailure: { Destination: `kafka://${deadLetterTopic(service)}` } },
      FilterCriteria: {
        Filters: subscriptionFilterPatterns(sub).map((pattern) => ({ Pattern: JSON.stringify(pattern) })),
      },
    });
  });

  it('filters each ESM to its own event types plus poison, within the quota of filters', () => {
    const mappings = Object.values(services.findResources('AWS::Lambda::EventSourceMapping')) as {
      Properties: { Topics: string[]; FilterCriteria: { Filters: { Pattern: string }[] } };
    }[];
    for (const service of CONSUMER_SERVICES) {
      for (const sub of SERVICE_SPECS[service].subscriptions) {
        const mapping = mappings.find(
          (m) =>
            m.Properties.Topics[0] === domainTopic(sub.domain) &&
            JSON.parse(m.Properties.FilterCriteria.Filters[0]?.Pattern ?? '{}').value?.type?.join() ===
              sub.events.map(cloudEventType).join(),
        );
        expect(mapping).toBeDefined();
        const filters = mapping?.Properties.FilterCriteria.Filters ?? [];
        expect(filters.length).toBeLessThanOrEqual(MAX_FILTERS_PER_ESM);
        const topicTypes = EVENT_NAMES.filter((e) => EVENTS[e].domain === sub.domain).map(cloudEventType);
        expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([
          { value: { type: sub.events.map(cloudEventType) } },
          { value: { type: [{ 'anything-but': topicTypes }] } },
          { value: { type: [{ exists: false }] } },
          { value: [{ 'anything-but': [''] }] },
        ]);
      }
    }
  });

  it('has one ESM per subscription and never points one at a dead-letter topic', () => {
    const total = CONSUMER_SERVICES.reduce((n, s) => n + SERVICE_SPECS[s].subscriptions.length, 0);
    services.resourceCountIs('AWS::Lambda::EventSourceMapping', total);
    const mappings = Object.values(services.findResources('AWS::Lambda::EventSourceMapping')) as {
      Properties: { Topics: string[]; ProvisionedPollerConfig: { MaximumPollers: number } };
    }[];
    for (const m of mappings) {
      expect(m.Properties.Topics[0]).toMatch(/\.events$/);
      expect(m.Properties.ProvisionedPollerConfig.MaximumPollers).toBeLessThanOrEqual(config.partitions);
    }
  });

  it('runs every function on Node.js 24, arm64, traced, in the VPC', () => {
    const functions = Object.values(services.findResources('AWS::Lambda::Function')).filter((f) =>
      JSON.stringify(f).includes('POWERTOOLS_SERVICE_NAME'),
    );
    expect(functions).toHaveLength(CONSUMER_SERVICES.length);
    for (const fn of functions as { Properties: Record<string, unknown> }[]) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        VpcConfig: { SubnetIds: expect.any(Array) },
      });
    }
  });

  it('keeps state in encrypted tables with point-in-time recovery, idempotency records and reservations with a TTL', () => {
    const tables = Object.values(services.findResources('AWS::DynamoDB::Table')) as {
      Properties: Record<string, unknown>;
    }[];
    expect(tables).toHaveLength(4);
    for (const table of tables) {
      expect(table.Properties).toMatchObject({
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
    }
    services.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
    // Inventory's reservations expire once no replay can come; its products carry no such attribute.
    services.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it('encrypts the notification topic with a customer key', () => {
    services.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotificationKey'), 'Arn'] },
    });
  });

  it('registers one Glue schema per event type with BACKWARD compatibility, and every later version', () => {
    services.resourceCountIs('AWS::Glue::Schema', EVENT_NAMES.length);
    for (const event of EVENT_NAMES) {
      services.hasResourceProperties('AWS::Glue::Schema', {
        Name: event,
        DataFormat: 'JSON',
        Compatibility: 'BACKWARD',
        SchemaDefinition: Match.serializedJson(Match.objectLike({ title: event })),
      });
    }
    const laterVersions = EVENT_NAMES.reduce((n, e) => n + EVENTS[e].versions.length - 1, 0);
    services.resourceCountIs('AWS::Glue::SchemaVersion', laterVersions);
  });
});

describe('API stack', () => {
  const { templates, config } = synthPipeline('dev');
  const api = templates.api;

  it('requires IAM authorization on every method', () => {
    const methods = Object.values(api.findResources('AWS::ApiGateway::Method')) as {
      Properties: { HttpMethod: string; AuthorizationType: string };
    }[];
    expect(methods.map((m) => m.Properties.HttpMethod).sort()).toEqual(['GET', 'POST', 'POST']);
    for (const method of methods) expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('deploys exactly the routes of lib/api-routes.ts, with their path parameters required and their body models', () => {
    const resources = api.findResources('AWS::ApiGateway::Resource') as Record<
      string,
      { Properties: { ParentId: unknown; PathPart: string } }
    >;
    const pathOf = (id: unknown): string => {
      const resource = resources[(id as { Ref?: string }).Ref ?? ''];
      return resource ? `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}` : '';
    };
    const models = api.findResources('AWS::ApiGateway::Model') as Record<string, { Properties: { Name: string } }>;
    const deployed = Object.values(api.findResources('AWS::ApiGateway::Method')).map((method) => {
      const p = method.Properties as {
        HttpMethod: string;
        ResourceId: unknown;
        RequestParameters?: Record<string, boolean>;
        RequestModels?: Record<string, { Ref: string }>;
      };
      const model = p.RequestModels?.[MODEL_CONTENT_TYPE]?.Ref;
      return {
        route: `${p.HttpMethod} ${pathOf(p.ResourceId)}`,
        parameters: Object.keys(p.RequestParameters ?? {}),
        ...(model ? { bodyModel: models[model]?.Properties.Name } : {}),
      };
    });
    const declared = API_ROUTES.map((route: ApiRoute) => ({
      route: routeKey(route),
      parameters: pathParameterNames(route.path).map((name) => `method.request.path.${name}`),
      ...(route.bodyModel ? { bodyModel: route.bodyModel } : {}),
    }));
    expect(deployed).toEqual(expect.arrayContaining(declared));
    expect(deployed).toHaveLength(declared.length);
  });

  it('validates POST bodies against models built from the request schemas', () => {
    api.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    for (const name of ['CreateOrderRequest', 'RegisterUserRequest']) {
      api.hasResourceProperties('AWS::ApiGateway::Model', {
        Name: name,
        ContentType: 'application/json',
        Schema: Match.objectLike({
          $schema: 'http://json-schema.org/draft-04/schema#',
          additionalProperties: false,
        }),
      });
    }
    api.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestModels: { 'application/json': Match.anyValue() },
      RequestValidatorId: Match.anyValue(),
    });
  });

  it('answers a body its model refuses in the handler’s 400 shape, with API Gateway’s validation text', () => {
    const [apiId] = Object.keys(api.findResources('AWS::ApiGateway::RestApi'));
    api.resourceCountIs('AWS::ApiGateway::GatewayResponse', 1);
    api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      RestApiId: { Ref: apiId },
      ResponseType: 'BAD_REQUEST_BODY',
      StatusCode: '400',
      ResponseTemplates: {
        'application/json': '{"error":"invalid_request","message":"$context.error.validationErrorString"}',
      },
    });
    // The template the local emulator renders is the one deployed.
    const [response] = Object.values(api.findResources('AWS::ApiGateway::GatewayResponse')) as {
      Properties: { ResponseTemplates: Record<string, string> };
    }[];
    expect(response?.Properties.ResponseTemplates['application/json']).toBe(BAD_REQUEST_BODY.template);
    const rendered = renderGatewayTemplate(BAD_REQUEST_BODY.template, {
      [VALIDATION_ERROR_STRING]: jsonStringContent('[object has missing required properties (["email"])]'),
    });
    expect(JSON.parse(rendered)).toEqual({
      error: 'invalid_request',
      message: '[object has missing required properties (["email"])]',
    });
  });

  it('throttles the stage and writes JSON access logs', () => {
    api.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          ThrottlingRateLimit: config.api.throttleRatePerSecond,
          ThrottlingBurstLimit: config.api.throttleBurst,
        }),
      ]),
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      TracingEnabled: true,
    });
  });
});

describe('Observability stack', () => {
  const { templates, stacks } = synthPipeline('dev');
  const observability = templates.observability;

  it('alarms on lag, missing lag, dead letters, dropped records, dead-letter delivery, polling and commit errors for every subscription, errors of every function, failures, dead letters and event age of every consumer, broker health and API 5xx', () => {
    const subscriptions = stacks.services.subscriptions.length;
    const functions = CONSUMER_SERVICES.length + 1;
    const consumers = CONSUMER_SERVICES.length;
    const brokers = 3;
    observability.resourceCountIs(
      'AWS::CloudWatch::Alarm',
      subscriptions * 7 + functions + consumers * 3 + brokers * 3 + 1,
    );
    observability.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'MaxOffsetLag',
      Namespace: 'AWS/Lambda',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Alarms') }],
    });
    observability.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'UnderReplicatedPartitions', Namespace: 'AWS/Kafka' }),
          }),
        }),
      ]),
      Threshold: 0,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Alarms') }],
    });
  });

  it('has one dashboard covering API, functions, consumers and brokers', () => {
    observability.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(observability.findResources('AWS::CloudWatch::Dashboard'));
    for (const text of [
      '# API',
      '# Functions',
      '# Consumers',
      '# Brokers',
      'MaxOffsetLag',
      'UnderReplicatedPartitions',
    ]) {
      expect(body).toContain(text);
    }
  });
});

describe.each(['dev', 'prod', 'dev-serverless'])('profile %s', (profile) => {
  const { stacks } = synthPipeline(profile);

  it('synthesizes with no error and no warning annotation', () => {
    for (const stack of Object.values(stacks)) {
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    }
  });
});

describe('catalogue seed', () => {
  it('writes every sample product once, conditionally, in dev and never in prod', () => {
    const dev = synthPipeline('dev').templates.services;
    const seeds = Object.values(dev.findResources('Custom::AWS')).map((r) =>
      JSON.stringify((r as { Properties: Record<string, unknown> }).Properties.Create),
    );
    expect(seeds).toHaveLength(SEED_CATALOGUE.length);
    for (const product of SEED_CATALOGUE) {
      expect(seeds.some((create) => create.includes(`SKU#${product.sku}`))).toBe(true);
    }
    for (const create of seeds) expect(create).toContain('attribute_not_exists(pk)');
    synthPipeline('prod').templates.services.resourceCountIs('Custom::AWS', 0);
  });
});
