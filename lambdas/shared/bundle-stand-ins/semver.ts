/**
 * Stands in for `semver` in the function bundles (lib/bundling.ts). The X-Ray SDK, which Powertools
 * Tracer loads with tracing on, brings semver 7 (28 KB) for one call: its patcher for the v2 AWS SDK
 * (captureAWS, which nothing here calls; the functions capture v3 clients) checks that SDK's version
 * with `gte`. This is `gte` by the precedence rules of Semantic Versioning 2.0.0
 * (https://semver.org, section 11), as semver implements them for a strict version string:
 * test/unit/semver-stand-in.test.ts holds it to the real package's answers, and
 * test/infra/bundles.test.ts fails if a bundled module calls any other semver function.
 */

interface Version {
  readonly core: readonly [number, number, number];
  readonly prerelease: readonly (number | string)[];
}

/** semver's strict FULL pattern: an optional `v`, major.minor.patch, prerelease, build metadata. */
const STRICT_VERSION =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*))*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

function parse(version: string): Version {
  const match = typeof version === 'string' ? STRICT_VERSION.exec(version.trim()) : null;
  if (!match) throw new TypeError(`Invalid Version: ${String(version)}`);
  const [, major, minor, patch, prerelease] = match;
  return {
    core: [Number(major), Number(minor), Number(patch)],
    prerelease: prerelease ? prerelease.split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id)) : [],
  };
}

/** Numeric identifiers sort numerically and before alphanumeric ones, which sort in ASCII order. */
function compareIdentifiers(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** A version with a prerelease sorts before the same version without; longer wins a tie of prefixes. */
function comparePrerelease(a: Version['prerelease'], b: Version['prerelease']): number {
  if (a.length === 0 && b.length === 0) return 0;
  if (a.length === 0) return 1;
  if (b.length === 0) return -1;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const [x, y] = [a[i], b[i]];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const order = compareIdentifiers(x, y);
    if (order !== 0) return order;
  }
  return 0;
}

function compare(a: string, b: string): number {
  const [x, y] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) {
    const order = Math.sign((x.core[i] as number) - (y.core[i] as number));
    if (order !== 0) return order;
  }
  return comparePrerelease(x.prerelease, y.prerelease);
}

/** Whether version `a` is greater than or equal to `b` (semver's `gte`; no loose parsing). */
export function gte(a: string, b: string): boolean {
  return compare(a, b) >= 0;
}
