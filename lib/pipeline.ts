import { type App, type Environment, Tags } from 'aws-cdk-lib';
import type { PipelineConfig } from './config';
import { type PipelineStackPart, pipelineStackName } from './stack-outputs';
import { ApiStack } from './stacks/api-stack';
import { KafkaStack } from './stacks/kafka-stack';
import { NetworkStack } from './stacks/network-stack';
import { ObservabilityStack } from './stacks/observability-stack';
import { ServicesStack } from './stacks/services-stack';

export interface PipelineStacks {
  readonly network: NetworkStack;
  readonly kafka: KafkaStack;
  readonly services: ServicesStack;
  readonly api: ApiStack;
  readonly observability: ObservabilityStack;
}

/** Adds the five stacks of one profile to an app. Stack names carry the profile so both can coexist. */
export function addPipeline(app: App, config: PipelineConfig, account?: string): PipelineStacks {
  const env: Environment = { region: config.region, ...(account ? { account } : {}) };
  const name = (part: PipelineStackPart) => pipelineStackName(config.profile, part);
  const common = { env, config };
  const network = new NetworkStack(app, name('Network'), {
    ...common,
    description: 'Order pipeline: VPC and security groups',
  });
  const kafka = new KafkaStack(app, name('Kafka'), {
    ...common,
    network,
    description: 'Order pipeline: MSK cluster and topics',
  });
  const services = new ServicesStack(app, name('Services'), {
    ...common,
    network,
    kafka,
    description: 'Order pipeline: state, schemas and Kafka-triggered services',
  });
  const api = new ApiStack(app, name('Api'), {
    ...common,
    network,
    kafka,
    services,
    description: 'Order pipeline: REST API',
  });
  const observability = new ObservabilityStack(app, name('Observability'), {
    ...common,
    kafka,
    services,
    api,
    description: 'Order pipeline: dashboard and alarms',
  });
  for (const stack of [network, kafka, services, api, observability]) {
    Tags.of(stack).add('project', 'order-pipeline');
    Tags.of(stack).add('profile', config.profile);
  }
  return { network, kafka, services, api, observability };
}
