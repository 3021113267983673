/**
 * AWS SDK clients, one per execution environment, created on first use. Locally the DynamoDB
 * endpoint points at dynalite (DYNAMODB_ENDPOINT); on AWS it is unset and the SDK's defaults apply.
 * Each call is an X-Ray subsegment on AWS (the item client shares the captured client). Requests
 * are signed with environment credentials: on Lambda the execution role's, locally the runtime's.
 * No call starts after the invocation's deadline (./invocation-deadline.ts).
 *
 * The DynamoDB client resolves its middleware stack once per command class (`cacheMiddleware`,
 * see ./db/item-client.ts for the cost it saves). The SDK's documented price: middleware added to
 * the client after its first request is not seen by the command classes it has already sent. So
 * every middleware is added here, or, for the local reliability harness and the benchmark's AWS
 * model, before the functions make their first call.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENV } from '../../lib/runtime-contract';
import { environmentCredentials } from './aws-credentials';
import { ItemClient } from './db/item-client';
import { refuseCallsPastInvocationDeadline } from './invocation-deadline';
import { tracer } from './observability';

let dynamo: DynamoDBClient | undefined;
let items: ItemClient | undefined;

export function dynamoClient(env: NodeJS.ProcessEnv = process.env): DynamoDBClient {
  if (!dynamo) {
    const endpoint = env[ENV.dynamodbEndpoint];
    const options = { maxAttempts: 5, credentials: environmentCredentials, cacheMiddleware: true };
    const client = new DynamoDBClient(endpoint ? { ...options, endpoint } : options);
    dynamo = tracer.captureAWSv3Client(refuseCallsPastInvocationDeadline(client));
  }
  return dynamo;
}

/** Items as plain JavaScript values, on the shared DynamoDB client. */
export function itemClient(env: NodeJS.ProcessEnv = process.env): ItemClient {
  items ??= new ItemClient(dynamoClient(env));
  return items;
}
