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

/**
 * What kafkajs's protocol table gets when it requires one of its request modules (`path` as it
 * writes it), used as kafkajs's `lookup` uses it: the definition's best version, then its protocol.
 * The dynamic require goes to the bundle's own `require` (its banner, lib/bundling.ts).
 */
export function useKafkaRequest(path: string): unknown {
  const definition = require(path) as { versions: string[]; protocol(o: { version: number }): unknown };
  return definition.protocol({ version: Math.max(...definition.versions.map(Number)) });
}
