/**
 * Built into a bundle with a function's aliases (test/infra/bundles.test.ts) and run in a fresh Node
 * process: the functions' own DynamoDB client, MSK token signer and tracing, as the bundle carries
 * them, with only environment credentials to go on.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../../lambdas/shared/aws-clients';
import { mskAuthToken } from '../../lambdas/shared/kafka/connection';
import { inSubsegment } from '../../lambdas/shared/observability';
import { dynamoIdempotency } from '../../lambdas/shared/powertools-idempotency';

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

/**
 * Powertools idempotency as notification runs it (its JMESPath replaced in the bundle): the same
 * key twice, then another; what each run answered and how often the effect ran.
 */
export async function idempotentRuns(tableName: string): Promise<{ answers: string[]; effects: number }> {
  const guard = dynamoIdempotency({ client: dynamoClient(), tableName, keyPrefix: 'bundle-probe' });
  let effects = 0;
  const effect = async () => {
    effects += 1;
  };
  const answers = [];
  for (const key of ['evt-1', 'evt-1', 'evt-2']) answers.push(await guard.run(key, effect));
  return { answers, effects };
}
