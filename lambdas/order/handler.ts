/** The order service's Lambda entry: the shared Kafka consumer around the order saga. */
import { tableEnvVar } from '../../lib/runtime-contract';
import { documentClient } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';
import { kafkaHandler } from '../shared/kafka/kafka-handler';
import { orderHandlers } from './core';
import { dynamoOrderViewStore } from './store';

export const handler = kafkaHandler('order', ({ log, publisher }) =>
  orderHandlers({
    store: dynamoOrderViewStore(documentClient(), requireEnv(tableEnvVar('orders'))),
    publisher,
    logger: log,
  }),
);
