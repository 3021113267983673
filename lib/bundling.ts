/**
 * How every Lambda function is bundled, in one place: the CDK construct (ServiceFunction) hands
 * these options to NodejsFunction's esbuild, and the benchmark (bench/) builds with them to measure
 * exactly what is deployed. Plain data, no CDK import.
 */

/** CommonJS code in the bundle (kafkajs, some SDK internals) calls require(): give the ESM output one. */
export const ESM_REQUIRE_BANNER = "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);";

export const FUNCTION_BUNDLE = {
  format: 'esm',
  platform: 'node',
  /** The Lambda runtime the functions run on (lambda.Runtime.NODEJS_22_X). */
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  /** Everything is bundled, the AWS SDK v3 included: see docs/TUNING.md, "Bundles and cold starts". */
  externalModules: [] as string[],
  banner: ESM_REQUIRE_BANNER,
} as const;
