/**
 * What every Lambda function runs on and with: runtime, architecture, memory and timeout, in one
 * place. Each service spec in lib/topology.ts carries these; the CDK construct (ServiceFunction),
 * the bundler (lib/bundling.ts) and the local runtime all read them, so a function is configured
 * the same way on AWS and on a laptop. Plain data, no CDK import: handlers and local/ load it.
 */

/**
 * The newest Node.js runtime aws-cdk-lib 2.276.0 offers (`lambda.Runtime.NODEJS_24_X`; the CDK's
 * own custom-resource handlers run on it too).
 */
export const LAMBDA_NODE_RUNTIME = 'nodejs24.x';
export type LambdaRuntime = typeof LAMBDA_NODE_RUNTIME;

export const LAMBDA_ARCHITECTURES = ['arm64', 'x86_64'] as const;
export type LambdaArchitecture = (typeof LAMBDA_ARCHITECTURES)[number];

export interface FunctionSettings {
  /** The Lambda runtime identifier, e.g. `nodejs24.x`. */
  readonly runtime: LambdaRuntime;
  readonly architecture: LambdaArchitecture;
  /** Memory in MB (Lambda allows 128 to 10,240); CPU is allotted in proportion. */
  readonly memoryMb: number;
  /** Lambda stops an invocation after this many seconds. */
  readonly timeoutSeconds: number;
}

/** The house choice for every function: the newest Node.js runtime on Graviton (arm64). */
export function nodeOnArm(memoryMb: number, timeoutSeconds: number): FunctionSettings {
  return { runtime: LAMBDA_NODE_RUNTIME, architecture: 'arm64', memoryMb, timeoutSeconds };
}

/** The esbuild target that matches a Lambda Node.js runtime: `nodejs24.x` → `node24`. */
export function esbuildTarget(runtime: LambdaRuntime): string {
  return `node${lambdaNodeMajor(runtime)}`;
}

/** The Node.js major of a Lambda runtime: `nodejs24.x` → 24. */
export function lambdaNodeMajor(runtime: LambdaRuntime = LAMBDA_NODE_RUNTIME): number {
  const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
  if (!major) throw new Error(`${runtime} is not a Lambda Node.js runtime identifier (nodejs<major>.x)`);
  return Number(major);
}

/**
 * API Gateway's default maximum integration timeout for REST APIs: 29 seconds ("Maximum integration
 * timeout in milliseconds", 50 ms to 29 s; Regional and private REST APIs can ask for more through
 * Service Quotas). docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
 */
export const API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS = 29;

/**
 * Kafka event source mappings only support functions with a timeout of 14 minutes or less
 * (Lambda developer guide, with-msk-configure.html).
 */
export const MAX_KAFKA_FUNCTION_TIMEOUT_SECONDS = 14 * 60;

/**
 * The memory at which a function gets one vCPU: Lambda "allocates CPU power in proportion to the
 * amount of memory configured. ... At 1,769 MB, a function has the equivalent of one vCPU (one
 * vCPU-second of credits per second)" (docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
 * A Node.js handler runs its JavaScript on one thread, so memory above this buys it no more speed.
 */
export const LAMBDA_ONE_VCPU_MB = 1_769;

/** Lambda's memory range, in MB. */
export const LAMBDA_MEMORY_MB = { min: 128, max: 10_240 } as const;

/** The MSK Serverless topic-admin custom resource (lib/stacks/kafka-stack.ts): not a topology service. */
export const TOPIC_ADMIN_FUNCTION: FunctionSettings = nodeOnArm(256, 5 * 60);
