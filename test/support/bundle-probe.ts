/**
 * Built into a bundle with a function's aliases (test/infra/bundles.test.ts) and run in a fresh Node
 * process: the functions' own DynamoDB client, MSK token signer and tracing, as the bundle carries
 * them, with only environment credentials to go on.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../../lambdas/shared/aws-clients';
import { mskAuthToken } from '../../lambdas/shared/kafka/connection';
import { inSubsegment } from '../../lambdas/shared/observability';

export async function listTables(): Promise<string[]> {
  return (await dynamoClient().send(new ListTablesCommand({}))).TableNames ?? [];
}

/** A DynamoDB call in a subsegment of its own, as a function's handler makes one. */
export function tracedListTables(): Promise<string[]> {
  return inSubsegment('bundle-probe', '## bundle-probe.handler', {}, listTables);
}

export function signMskToken(region: string): Promise<string> {
  return mskAuthToken(region);
}
