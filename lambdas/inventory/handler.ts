/** The inventory service's Lambda entry: the shared Kafka consumer around the inventory core. */
import { tableEnvVar } from '../../lib/runtime-contract';
import { documentClient } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';
import { kafkaHandler } from '../shared/kafka/kafka-handler';
import { inventoryHandlers } from './core';
import { dynamoInventoryStore } from './store';

export const handler = kafkaHandler('inventory', ({ log, publisher }) =>
  inventoryHandlers({
    store: dynamoInventoryStore(documentClient(), requireEnv(tableEnvVar('inventory'))),
    publisher,
    logger: log,
  }),
);
