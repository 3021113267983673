/**
 * How every Lambda function is bundled, in one place: the CDK construct (ServiceFunction) hands
 * these options to NodejsFunction's esbuild, and the benchmark (bench/) builds with them to measure
 * exactly what is deployed. Plain data, no CDK import.
 */
import { esbuildTarget, LAMBDA_NODE_RUNTIME } from './function-settings';

/** CommonJS code in the bundle (kafkajs, some SDK internals) calls require(): give the ESM output one. */
export const ESM_REQUIRE_BANNER = "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);";

export const FUNCTION_BUNDLE = {
  format: 'esm',
  platform: 'node',
  /** The Node.js of the Lambda runtime every function runs on (lib/function-settings.ts). */
  target: esbuildTarget(LAMBDA_NODE_RUNTIME),
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  /** Everything is bundled, the AWS SDK v3 included: see docs/TUNING.md, "Bundles and cold starts". */
  externalModules: [] as string[],
  banner: ESM_REQUIRE_BANNER,
} as const;
