/** kafkajs's producer as the functions build it (producer-driver.ts), over TLS, without SASL. */
import { kafkaSettings } from '../../lambdas/shared/env';
import { ProducerOnlyKafka } from '../../lambdas/shared/kafka/producer-driver';

const kafka = new ProducerOnlyKafka({ clientId: 'init-part', brokers: kafkaSettings().brokers, ssl: true });

export const handler = async () => typeof kafka.producer;
