/** The inventory service's Lambda entry: the shared Kafka consumer around the inventory core. */
import { documentClient } from '../shared/aws-clients';
import { kafkaHandler } from '../shared/kafka/kafka-handler';
import { inventoryHandlers, SERVICE } from './core';
import { dynamoInventoryStore } from './store';

export const handler = kafkaHandler(SERVICE, ({ log, publisher, tables }) =>
  inventoryHandlers({
    store: dynamoInventoryStore(documentClient(), tables.inventory),
    publisher,
    logger: log,
  }),
);
