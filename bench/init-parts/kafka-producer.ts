/** kafkajs's producer as the functions build it (producer-driver.ts), over TLS, without SASL. */
import { ProducerOnlyKafka } from '../../lambdas/shared/kafka/producer-driver';

const kafka = new ProducerOnlyKafka({
  clientId: 'init-part',
  brokers: ['b-1.bench.kafka.eu-west-1.amazonaws.com:9098'],
  ssl: true,
});

export const handler = async () => typeof kafka.producer;
