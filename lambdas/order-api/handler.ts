/**
 * The order-api Lambda entry behind API Gateway (REST, proxy integration): wires the real
 * dependencies once per execution environment and hands each request to the instrumented router.
 */
import { randomUUID } from 'node:crypto';
import { ulid } from 'ulid';
import { dynamoClient, itemClient } from '../shared/aws-clients';
import { getProducts } from '../shared/catalogue';
import { tableNamesOf } from '../shared/env';
import { sharedProducer } from '../shared/kafka/kafka-handler';
import { instrumentsFor } from '../shared/observability';
import { apiHandler } from './api-handler';
import { type OrderApiDeps, SERVICE } from './deps';
import { dynamoRequestIdempotency } from './request-idempotency';

const instruments = instrumentsFor(SERVICE);
const { logger } = instruments;
const tables = tableNamesOf(SERVICE);

const deps: OrderApiDeps = {
  publisher: sharedProducer(SERVICE),
  products: (skus) => getProducts(itemClient(), tables.inventory, skus),
  orderView: (orderId) => itemClient().get({ TableName: tables.orders, Key: { orderId }, ConsistentRead: true }),
  requestIdempotency: dynamoRequestIdempotency({ client: dynamoClient(), tableName: tables.idempotency }),
  newOrderId: () => `ord_${ulid()}`,
  newUserId: () => `usr_${ulid()}`,
  newCorrelationId: () => randomUUID(),
  logger: { info: (m, f) => logger.info(m, f ?? {}), error: (m, f) => logger.error(m, f ?? {}) },
};

export const handler = apiHandler(deps, instruments);
