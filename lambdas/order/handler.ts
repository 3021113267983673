/** The order service's Lambda entry: the shared Kafka consumer around the order saga. */
import { itemClient } from '../shared/aws-clients';
import { kafkaHandler } from '../shared/kafka/kafka-handler';
import { orderHandlers, SERVICE } from './core';
import { dynamoOrderViewStore } from './store';

export const handler = kafkaHandler(SERVICE, ({ log, publisher, tables }) =>
  orderHandlers({
    store: dynamoOrderViewStore(itemClient(), tables.orders),
    publisher,
    logger: log,
  }),
);
