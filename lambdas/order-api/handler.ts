/**
 * The order-api Lambda entry behind API Gateway (REST, proxy integration). It routes and validates
 * requests exactly as the deployed API does; publishing and the order view are built on it by the
 * domain-services work (see README, "Status"), until then a valid request is answered 501.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { routeRequest } from './routes';

const logger = new Logger({ serviceName: 'order-api' });

export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  const response = routeRequest(event);
  logger.info('request', { method: event.httpMethod, path: event.path, status: response.statusCode });
  return response;
}
