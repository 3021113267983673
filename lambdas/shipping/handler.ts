/** The shipping service's Lambda entry: the shared Kafka consumer around the shipping core. */
import { kafkaHandler } from '../shared/kafka/kafka-handler';
import { SERVICE, shippingHandlers } from './core';

export const handler = kafkaHandler(SERVICE, ({ log, publisher }) =>
  shippingHandlers({
    publisher,
    logger: log,
  }),
);
