import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_NODE_RUNTIME, type LambdaRuntime, lambdaNodeMajor } from '../../lib/function-settings';
import { nodeVersionWarning } from '../../local/node-version';

const ROOT = join(__dirname, '..', '..');
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};

describe('the Node.js the project runs on', () => {
  it("is the major of Lambda's runtime in the pinned node package, .nvmrc and the bundles' target", () => {
    const major = lambdaNodeMajor();
    expect(major).toBe(24);
    // Exact pin (the lockfile holds it too): the tests and the bench run on one known Node.js.
    expect(packageJson.devDependencies.node).toMatch(new RegExp(`^${major}\\.\\d+\\.\\d+$`));
    expect(readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim()).toBe(String(major));
  });

  it("lets the node package's preinstall fetch its binary (npm blocks unlisted install scripts)", () => {
    expect(packageJson.allowScripts?.node).toBe(true);
  });

  it('refuses a runtime identifier that is not nodejs<major>.x', () => {
    expect(() => lambdaNodeMajor('python3.13' as LambdaRuntime)).toThrow(/not a Lambda Node.js runtime/);
  });
});

describe('nodeVersionWarning', () => {
  it("is silent on Lambda's major, whatever the minor and patch", () => {
    expect(nodeVersionWarning('v24.21.0', LAMBDA_NODE_RUNTIME)).toBeUndefined();
    expect(nodeVersionWarning('v24.0.0', LAMBDA_NODE_RUNTIME)).toBeUndefined();
  });

  it('names the running version, the runtime and the way out on another major', () => {
    const warning = nodeVersionWarning('v20.20.2', LAMBDA_NODE_RUNTIME);
    expect(warning).toContain('v20.20.2');
    expect(warning).toContain('nodejs24.x');
    expect(warning).toContain('npm start');
    expect(warning).toContain('Node.js 24');
    expect(nodeVersionWarning('v26.1.0', LAMBDA_NODE_RUNTIME)).toContain('v26.1.0');
  });

  it('warns on a version it cannot read rather than staying silent', () => {
    expect(nodeVersionWarning('unknown', LAMBDA_NODE_RUNTIME)).toContain('nodejs24.x');
  });
});
