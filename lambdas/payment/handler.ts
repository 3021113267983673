/** The payment service's Lambda entry: the shared Kafka consumer around the payment core. */
import { tableEnvVar } from '../../lib/runtime-contract';
import { documentClient } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';
import { kafkaHandler } from '../shared/kafka/kafka-handler';
import { paymentHandlers } from './core';
import { dynamoPaymentStore } from './store';

export const handler = kafkaHandler('payment', ({ log, publisher }) =>
  paymentHandlers({
    store: dynamoPaymentStore(documentClient(), requireEnv(tableEnvVar('payments'))),
    publisher,
    logger: log,
  }),
);
