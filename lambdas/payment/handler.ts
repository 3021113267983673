/** The payment service's Lambda entry: the shared Kafka consumer around the payment core. */
import { itemClient } from '../shared/aws-clients';
import { kafkaHandler } from '../shared/kafka/kafka-handler';
import { paymentHandlers, SERVICE } from './core';
import { dynamoPaymentStore } from './store';

export const handler = kafkaHandler(SERVICE, ({ log, publisher, tables }) =>
  paymentHandlers({
    store: dynamoPaymentStore(itemClient(), tables.payments),
    publisher,
    logger: log,
  }),
);
