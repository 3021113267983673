/** POST /users: registers a user by publishing UserRegistered. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createEvent } from '../shared/events/envelope';
import type { RegisterUserRequest } from '../shared/events/types.generated';
import type { OrderApiDeps } from './deps';
import { json } from './http';

export type { RegisterUserRequest };

export async function registerUser(
  request: RegisterUserRequest,
  correlationId: string,
  deps: OrderApiDeps,
): Promise<APIGatewayProxyResult> {
  const userId = deps.newUserId();
  await deps.publisher.publish([
    createEvent(
      'UserRegistered',
      { userId, email: request.email, name: request.name },
      { subject: userId, correlationId },
    ),
  ]);
  deps.logger.info('user registered', { userId, correlationId });
  return json(202, { userId, correlationId });
}
