/**
 * The order-api Lambda entry behind API Gateway (REST, proxy integration): wires the real
 * dependencies once per execution environment and hands each request to routeRequest.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ulid } from 'ulid';
import { tableEnvVar } from '../../lib/runtime-contract';
import { documentClient, dynamoClient } from '../shared/aws-clients';
import { getProducts } from '../shared/catalogue';
import { requireEnv } from '../shared/env';
import { sharedProducer } from '../shared/kafka/kafka-handler';
import type { OrderApiDeps } from './deps';
import { dynamoRequestIdempotency } from './request-idempotency';
import { routeRequest } from './routes';

const logger = new Logger({ serviceName: 'order-api' });
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

export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  const response = await routeRequest(event, deps, context);
  logger.info('request', { method: event.httpMethod, path: event.path, status: response.statusCode });
  return response;
}
