/** Self time by function and by package from a V8 .cpuprofile (node --cpu-prof), largest first. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const file = process.argv[2];
if (!file) throw new Error('usage: tsx bench/cpu-profile-summary.ts <file.cpuprofile>');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfSamples = new Map<number, number>();
for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
const total = profile.samples.length;

function packageOf(url: string): string {
  const at = url.lastIndexOf('node_modules/');
  if (at < 0) return url.startsWith('node:') || url === '' ? '(node / V8)' : '(project)';
  const parts = url.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const [id, count] of selfSamples) {
  const node = byId.get(id);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + count);
  byPackage.set(packageOf(url), (byPackage.get(packageOf(url)) ?? 0) + count);
}
const top = (m: Map<string, number>, n: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`)
    .join('\n');
process.stdout.write(
  `By package (self time, ${total} samples):\n${top(byPackage, 15)}\n\nBy function:\n${top(byFunction, 30)}\n`,
);
