/** kafkajs's producer configured as every deployed function configures it: TLS and the MSK IAM signer. */
import { kafkaSettings } from '../../lambdas/shared/env';
import { kafkaConfig } from '../../lambdas/shared/kafka/connection';
import { ProducerOnlyKafka } from '../../lambdas/shared/kafka/producer-driver';

const kafka = new ProducerOnlyKafka(kafkaConfig('init-part', kafkaSettings()));

export const handler = async () => typeof kafka.producer;
