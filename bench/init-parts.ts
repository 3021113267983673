/**
 * What a function's module initialisation is made of: the parts every deployed function (or every
 * function with a table) loads, each bundled alone with the deployed options and timed in the same
 * rounds as the functions and the empty bundle. They show where issue 12's goal of init at most 5
 * times the empty bundle stands against what no function here can do without.
 */

export interface InitPart {
  readonly name: string;
  /** The probe module, relative to the repository: a handler over just this part. */
  readonly entry: string;
  /** Which deployed functions load it. */
  readonly loadedBy: 'every function' | 'every function with a table';
  readonly what: string;
}

export const INIT_PARTS = [
  {
    name: 'tls-and-crypto',
    entry: 'bench/init-parts/tls-and-crypto.ts',
    loadedBy: 'every function',
    what: "Node's own `node:tls` and `node:crypto` (TLS to MSK and DynamoDB, SigV4)",
  },
  {
    name: 'kafka-producer',
    entry: 'bench/init-parts/kafka-producer.ts',
    loadedBy: 'every function',
    what: "kafkajs's producer as the functions build it (producer-driver.ts), TLS, no SASL",
  },
  {
    name: 'kafka-producer-msk-iam',
    entry: 'bench/init-parts/kafka-producer-msk-iam.ts',
    loadedBy: 'every function',
    what: "kafkajs's producer with the MSK IAM signer, as every deployed function connects (connection.ts kafkaConfig)",
  },
  {
    name: 'powertools-logger-metrics',
    entry: 'bench/init-parts/powertools-logger-metrics.ts',
    loadedBy: 'every function',
    what: 'Powertools Logger and Metrics (observability.ts instrumentsFor)',
  },
  {
    name: 'dynamodb-client',
    entry: 'bench/init-parts/dynamodb-client.ts',
    loadedBy: 'every function with a table',
    what: 'the DynamoDB client with environment credentials (aws-clients.ts itemClient)',
  },
] as const satisfies readonly InitPart[];

/** The part that sets the floor: every deployed function connects to MSK with IAM through kafkajs. */
export const INIT_FLOOR_PART: (typeof INIT_PARTS)[number]['name'] = 'kafka-producer-msk-iam';

/**
 * The function whose aliases, externals and banner the parts are built with: any service would do
 * (they share every alias but the validators, which no part loads); payment carries them all.
 */
export const INIT_PARTS_BUILT_AS = 'payment';
