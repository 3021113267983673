/**
 * Built into a bundle with a function's aliases (test/infra/bundles.test.ts) and run in a fresh Node
 * process: the functions' own DynamoDB client and MSK token signer, as the bundle carries them, with
 * only environment credentials to go on.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../../lambdas/shared/aws-clients';
import { mskAuthToken } from '../../lambdas/shared/kafka/connection';

export async function listTables(): Promise<string[]> {
  return (await dynamoClient().send(new ListTablesCommand({}))).TableNames ?? [];
}

export function signMskToken(region: string): Promise<string> {
  return mskAuthToken(region);
}
