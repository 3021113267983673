/** The inventory service's Lambda entry: the shared Kafka consumer around the inventory core. */
import { itemClient } from '../shared/aws-clients';
import { kafkaHandler } from '../shared/kafka/kafka-handler';
import { inventoryHandlers, SERVICE } from './core';
import { dynamoInventoryStore } from './store';

export const handler = kafkaHandler(SERVICE, ({ log, publisher, tables }) =>
  inventoryHandlers({
    store: dynamoInventoryStore(itemClient(), tables.inventory),
    publisher,
    logger: log,
  }),
);
