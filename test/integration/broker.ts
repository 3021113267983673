/** Where the integration tests' broker listens; set by the global setup for every test file. */
export const TEST_KAFKA_PORT = Number(process.env.TEST_KAFKA_PORT ?? 39092);
export const TEST_BOOTSTRAP = `127.0.0.1:${TEST_KAFKA_PORT}`;
/** The same broker's SASL OAUTHBEARER listener (unsecured tokens), for tests of the clients' SASL path. */
export const TEST_OAUTHBEARER_PORT = TEST_KAFKA_PORT + 2;
export const TEST_OAUTHBEARER_BOOTSTRAP = `127.0.0.1:${TEST_OAUTHBEARER_PORT}`;
