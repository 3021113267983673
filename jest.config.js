// The AWS SDK warns once per process that its 2027 releases need Node 22 (the functions run Node 22
// on AWS); the workers inherit this and keep the notice out of the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** @type {import('jest').Config} */
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};

module.exports = {
  projects: [
    {
      // Unit, component and infrastructure tests: no broker (`npm run test:fast`).
      displayName: 'fast',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/{unit,component,infra}/**/*.test.ts'],
      transform,
    },
    {
      // Against a real Kafka broker, which the global setup starts once and stops at the end
      // (`npm run test:integration`; `npm test` runs the fast project first, then this one).
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform,
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
  ],
  // Synthesizing five stacks, or a broker round trip, takes seconds on a 2-core machine.
  testTimeout: 120_000,
};
