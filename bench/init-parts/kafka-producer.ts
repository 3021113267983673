/** kafkajs's producer as the functions build it (producer-driver.ts), over TLS, without SASL. */
import { ProducerOnlyKafka } from '../../lambdas/shared/kafka/producer-driver';
import { ENV } from '../../lib/runtime-contract';

// The brokers the stacks give every function; read bare, so that the part carries kafkajs alone.
const brokers = (process.env[ENV.kafkaBootstrapServers] ?? '').split(',');
const kafka = new ProducerOnlyKafka({ clientId: 'init-part', brokers, ssl: true });

export const handler = async () => typeof kafka.producer;
