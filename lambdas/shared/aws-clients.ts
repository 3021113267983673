/**
 * AWS SDK clients, one per execution environment, created on first use. Locally the DynamoDB
 * endpoint points at dynalite (DYNAMODB_ENDPOINT); on AWS it is unset and the SDK's defaults apply.
 * Each call is an X-Ray subsegment on AWS (the document client shares the captured client). Requests
 * are signed with environment credentials: on Lambda the execution role's, locally the runtime's.
 * No call starts after the invocation's deadline (./invocation-deadline.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../lib/runtime-contract';
import { environmentCredentials } from './aws-credentials';
import { refuseCallsPastInvocationDeadline } from './invocation-deadline';
import { tracer } from './observability';

let dynamo: DynamoDBClient | undefined;
let documents: DynamoDBDocumentClient | undefined;

export function dynamoClient(env: NodeJS.ProcessEnv = process.env): DynamoDBClient {
  if (!dynamo) {
    const endpoint = env[ENV.dynamodbEndpoint];
    const options = { maxAttempts: 5, credentials: environmentCredentials };
    const client = new DynamoDBClient(endpoint ? { ...options, endpoint } : options);
    dynamo = tracer.captureAWSv3Client(refuseCallsPastInvocationDeadline(client));
  }
  return dynamo;
}

export function documentClient(env: NodeJS.ProcessEnv = process.env): DynamoDBDocumentClient {
  documents ??= DynamoDBDocumentClient.from(dynamoClient(env), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documents;
}
