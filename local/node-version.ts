/**
 * The local pipeline and the tests run the handlers on the Node.js major Lambda runs them on
 * (`LAMBDA_NODE_RUNTIME`). `npm ci` installs that Node.js (the `node` package in devDependencies)
 * and every npm script runs on it. Started some other way, on another major, the handlers behave
 * and perform unlike the deployed functions (on Node 20 the local pipeline takes about a third more
 * CPU per order: docs/TUNING.md), so `npm start` says so.
 */
import { LAMBDA_NODE_RUNTIME, type LambdaRuntime, lambdaNodeMajor } from '../lib/function-settings';

/** A warning when `version` (as `process.version`: `v20.20.2`) is not the major Lambda runs; else none. */
export function nodeVersionWarning(
  version: string = process.version,
  runtime: LambdaRuntime = LAMBDA_NODE_RUNTIME,
): string | undefined {
  const running = Number(/^v?(\d+)\./.exec(version)?.[1]);
  const lambda = lambdaNodeMajor(runtime);
  if (running === lambda) return undefined;
  return (
    `Running on Node.js ${version}, but the functions run on Lambda's ${runtime}. ` +
    `Start it with npm start, which runs the Node.js ${lambda} that npm ci installed, ` +
    `or switch to Node.js ${lambda} (nvm use).`
  );
}
