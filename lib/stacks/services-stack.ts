import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { productKey, SEED_CATALOGUE } from '../catalogue-seed';
import { type PipelineConfig, pollersFor } from '../config';
import { KafkaSubscription } from '../constructs/kafka-subscription';
import { ServiceFunction } from '../constructs/service-function';
import { pascalCase } from '../naming';
import { readEventSchema } from '../schema-files';
import {
  CONSUMER_SERVICES,
  type ConsumerServiceName,
  EVENT_NAMES,
  EVENTS,
  publishedTopics,
  SERVICE_SPECS,
  type ServiceName,
  TABLE_SPECS,
  TABLES,
  type TableName,
  tablesOf,
} from '../topology';
import type { KafkaStack } from './kafka-stack';
import type { NetworkStack } from './network-stack';

export interface ServicesStackProps extends StackProps {
  readonly config: PipelineConfig;
  readonly network: NetworkStack;
  readonly kafka: KafkaStack;
}

/**
 * State and the Kafka-triggered services: DynamoDB tables, the notification topic, the Glue schema
 * registry, and one function per consumer service with one event source mapping per subscription.
 */
export class ServicesStack extends Stack {
  readonly tables: Record<TableName, dynamodb.Table>;
  readonly notificationTopic: sns.Topic;
  readonly functions: Record<ConsumerServiceName, ServiceFunction>;
  readonly subscriptions: KafkaSubscription[] = [];
  readonly schemaRegistry: glue.CfnRegistry;

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, props);
    const { config, kafka } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.tables = Object.fromEntries(
      TABLES.map((name) => {
        const keys = TABLE_SPECS[name];
        const table = new dynamodb.Table(this, `${pascalCase(name)}Table`, {
          partitionKey: { name: keys.partitionKey, type: dynamodb.AttributeType.STRING },
          ...(keys.sortKey ? { sortKey: { name: keys.sortKey, type: dynamodb.AttributeType.STRING } } : {}),
          ...(keys.ttlAttribute ? { timeToLiveAttribute: keys.ttlAttribute } : {}),
          billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
          encryption: dynamodb.TableEncryption.AWS_MANAGED,
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          deletionProtection: config.retainData,
          removalPolicy,
        });
        return [name, table];
      }),
    ) as Record<TableName, dynamodb.Table>;

    const notificationKey = new kms.Key(this, 'NotificationKey', {
      description: 'Customer notifications topic',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.notificationTopic = new sns.Topic(this, 'Notifications', {
      displayName: 'Order pipeline customer notifications',
      masterKey: notificationKey,
      enforceSSL: true,
    });

    this.schemaRegistry = this.registerSchemas(config);
    if (config.seedCatalogue) this.seedCatalogue(config);

    this.functions = Object.fromEntries(
      CONSUMER_SERVICES.map((service) => [service, this.consumerFunction(service, props)]),
    ) as Record<ConsumerServiceName, ServiceFunction>;

    for (const service of CONSUMER_SERVICES) {
      const fn = this.functions[service];
      for (const subscription of SERVICE_SPECS[service].subscriptions) {
        this.subscriptions.push(
          new KafkaSubscription(this, `${pascalCase(service)}From${pascalCase(subscription.domain)}`, {
            service,
            subscription,
            fn,
            cluster: kafka.cluster,
            pollers: pollersFor(config, service),
            pollerGroupName: `order-pipeline-${config.profile}`,
          }),
        );
      }
    }
  }

  /** Wires one service's function to what the topology says it uses. Also used for the API service. */
  wireService(service: ServiceName, fn: ServiceFunction): void {
    fn.grantPublish(publishedTopics(service));
    const spec = SERVICE_SPECS[service];
    for (const [table, access] of Object.entries(tablesOf(service)) as [TableName, 'read' | 'readWrite'][]) {
      fn.bindTable(table, this.tables[table], access);
    }
    if (spec.notifies) fn.bindNotificationTopic(this.notificationTopic);
  }

  private consumerFunction(service: ConsumerServiceName, props: ServicesStackProps): ServiceFunction {
    const spec = SERVICE_SPECS[service];
    const fn = new ServiceFunction(this, `${pascalCase(service)}Function`, {
      serviceName: service,
      description: spec.description,
      entry: spec.entry,
      config: props.config,
      network: props.network,
      cluster: props.kafka.cluster,
      settings: spec,
    });
    this.wireService(service, fn);
    return fn;
  }

  /**
   * Writes the sample catalogue once, when the stack is created; later deploys leave stock alone.
   * Each put is conditional on the product not existing, but BatchWriteItem takes no conditions,
   * so it is one PutItem call per product.
   */
  private seedCatalogue(config: PipelineConfig): void {
    const table = this.tables.inventory;
    SEED_CATALOGUE.forEach((product) => {
      const item = toAttributeValues({ ...productKey(product.sku), ...product });
      new cr.AwsCustomResource(this, `Seed${pascalCase(product.sku)}`, {
        onCreate: {
          service: 'DynamoDB',
          action: 'PutItem',
          parameters: { TableName: table.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
          physicalResourceId: cr.PhysicalResourceId.of(`seed-${product.sku}`),
          ignoreErrorCodesMatching: 'ConditionalCheckFailedException',
        },
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [table.tableArn] }),
        ]),
        installLatestAwsSdk: false,
        logGroup: this.seedLogs(config),
      });
    });
  }

  private seedLogGroup?: logs.LogGroup;

  private seedLogs(config: PipelineConfig): logs.LogGroup {
    this.seedLogGroup ??= new logs.LogGroup(this, 'CatalogueSeedLogs', { retention: config.logRetentionDays });
    return this.seedLogGroup;
  }

  /** One Glue schema per event type, its versions in order, all under BACKWARD compatibility. */
  private registerSchemas(config: PipelineConfig): glue.CfnRegistry {
    const registry = new glue.CfnRegistry(this, 'SchemaRegistry', {
      name: `order-pipeline-${config.profile}`,
      description: 'CloudEvent data schemas of the order pipeline, one per event type',
    });
    for (const event of EVENT_NAMES) {
      const [first, ...later] = EVENTS[event].versions;
      const schema = new glue.CfnSchema(this, `Schema${event}`, {
        name: event,
        registry: { arn: registry.attrArn },
        dataFormat: 'JSON',
        compatibility: 'BACKWARD',
        description: EVENTS[event].description,
        schemaDefinition: JSON.stringify(readEventSchema(event, first as number)),
      });
      let previous: glue.CfnSchema | glue.CfnSchemaVersion = schema;
      for (const version of later) {
        const next: glue.CfnSchemaVersion = new glue.CfnSchemaVersion(this, `Schema${event}V${version}`, {
          schema: { schemaArn: schema.attrArn },
          schemaDefinition: JSON.stringify(readEventSchema(event, version)),
        });
        // Glue numbers versions in the order they are registered; the first later version already
        // waits for the schema through its SchemaArn.
        if (previous !== schema) next.addResourceDependency(previous);
        previous = next;
      }
    }
    return registry;
  }
}

/** DynamoDB's wire format for the seed's flat items (strings and numbers). */
function toAttributeValues(item: Record<string, string | number>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    values[key] = typeof value === 'number' ? { N: String(value) } : { S: value };
  }
  return values;
}
