/** The payment service's Lambda entry: the shared Kafka consumer around the payment core. */
import { documentClient } from '../shared/aws-clients';
import { kafkaHandler } from '../shared/kafka/kafka-handler';
import { paymentHandlers, SERVICE } from './core';
import { dynamoPaymentStore } from './store';

export const handler = kafkaHandler(SERVICE, ({ log, publisher, tables }) =>
  paymentHandlers({
    store: dynamoPaymentStore(documentClient(), tables.payments),
    publisher,
    logger: log,
  }),
);
