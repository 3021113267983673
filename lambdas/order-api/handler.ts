/**
 * The order-api Lambda entry behind API Gateway (REST, proxy integration): wires the real
 * dependencies once per execution environment and hands each request to the instrumented router.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { tableEnvVar } from '../../lib/runtime-contract';
import { documentClient, dynamoClient } from '../shared/aws-clients';
import { getProducts } from '../shared/catalogue';
import { requireEnv } from '../shared/env';
import { sharedProducer } from '../shared/kafka/kafka-handler';
import { instrumentsFor } from '../shared/observability';
import { apiHandler } from './api-handler';
import type { OrderApiDeps } from './deps';
import { dynamoRequestIdempotency } from './request-idempotency';

const instruments = instrumentsFor('order-api');
const { logger } = instruments;
const ordersTable = requireEnv(tableEnvVar('orders'));
const inventoryTable = requireEnv(tableEnvVar('inventory'));

const deps: OrderApiDeps = {
  publisher: sharedProducer('order-api'),
  products: (skus) => getProducts(documentClient(), inventoryTable, skus),
  orderView: async (orderId) =>
    (await documentClient().send(new GetCommand({ TableName: ordersTable, Key: { orderId }, ConsistentRead: true })))
      .Item,
  requestIdempotency: dynamoRequestIdempotency({
    client: dynamoClient(),
    tableName: requireEnv(tableEnvVar('idempotency')),
  }),
  newOrderId: () => `ord_${ulid()}`,
  newUserId: () => `usr_${ulid()}`,
  newCorrelationId: () => randomUUID(),
  logger: { info: (m, f) => logger.info(m, f ?? {}), error: (m, f) => logger.error(m, f ?? {}) },
};

export const handler = apiHandler(deps, instruments);
