/** Where the integration tests' broker listens; set by the global setup for every test file. */
export const TEST_KAFKA_PORT = Number(process.env.TEST_KAFKA_PORT ?? 39092);
export const TEST_BOOTSTRAP = `127.0.0.1:${TEST_KAFKA_PORT}`;
