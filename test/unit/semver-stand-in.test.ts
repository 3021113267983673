/**
 * The bundles' stand-in for `semver` (lambdas/shared/bundle-stand-ins/semver.ts) gives the answers
 * of the copy it replaces, the semver the X-Ray SDK depends on.
 */
import { dirname } from 'node:path';
import { gte } from '../../lambdas/shared/bundle-stand-ins/semver';

type Semver = { gte(a: string, b: string): boolean };

/** The `semver` that package `owner` resolves, as Node would load it for that package. */
function semverOf(owner: string): Semver {
  return require(require.resolve('semver', { paths: [dirname(require.resolve(`${owner}/package.json`))] }));
}

const real = semverOf('aws-xray-sdk-core');

const PAIRS: readonly (readonly [string, string])[] = [
  // What the X-Ray SDK asks: an AWS SDK v2 version against the oldest it patches.
  ['2.1692.0', '2.7.15'],
  ['2.7.14', '2.7.15'],
  // Each part, numerically, and equality.
  ['1.2.3', '1.2.3'],
  ['1.10.0', '1.9.9'],
  ['0.0.1', '0.1.0'],
  ['10.0.0', '9.99.99'],
  // A leading v, and build metadata, which takes no part in precedence.
  ['v1.2.3', '1.2.3'],
  ['1.2.3+build.7', '1.2.3+build.8'],
  // Prereleases: before their release; numeric identifiers numerically, before alphanumeric ones.
  ['1.0.0-alpha', '1.0.0'],
  ['1.0.0', '1.0.0-rc.1'],
  ['1.0.0-alpha', '1.0.0-alpha.1'],
  ['1.0.0-alpha.1', '1.0.0-alpha.beta'],
  ['1.0.0-beta.2', '1.0.0-beta.11'],
  ['1.0.0-beta.11', '1.0.0-rc.1'],
  ['1.0.0-rc.1', '1.0.0-rc.1'],
  ['1.0.0-1', '1.0.0-alpha'],
];

describe('the semver stand-in of the function bundles', () => {
  describe("agrees with the X-Ray SDK's semver", () => {
    it.each(PAIRS)('gte(%s, %s) both ways', (a, b) => {
      // Act
      const answers = [gte(a, b), gte(b, a)];

      // Assess
      expect(answers).toEqual([real.gte(a, b), real.gte(b, a)]);
    });

    it.each(['1.2', 'x.y.z', '01.2.3', '1.2.3-01', ' v 1.2.3', '=1.2.3', ''])(
      'refuses the invalid version %j, as it does',
      (invalid) => {
        // Act
        const standIn = () => gte(invalid, '1.0.0');

        // Assess
        expect(() => real.gte(invalid, '1.0.0')).toThrow(TypeError);
        expect(standIn).toThrow(TypeError);
        expect(standIn).toThrow(`Invalid Version: ${invalid}`);
      },
    );
  });
});
