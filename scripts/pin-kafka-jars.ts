/**
 * `npx tsx scripts/pin-kafka-jars.ts <group:artifact:version>...`: prints the entries of
 * local/kafka-jars.ts for these jars, each with the SHA-1 Maven Central publishes beside it and its
 * size, to paste over the old list after a Kafka upgrade (MAVEN_REPOSITORY_URL reads a mirror).
 */
import { jarUrl, MAVEN_CENTRAL, type PinnedJar } from '../local/kafka-jars';

async function pin(coordinates: string, repository: string): Promise<PinnedJar> {
  const url = jarUrl(coordinates, repository);
  const [checksum, head] = await Promise.all([fetch(`${url}.sha1`), fetch(url, { method: 'HEAD' })]);
  if (!checksum.ok || !head.ok)
    throw new Error(`${url}: HTTP ${checksum.status} for .sha1, ${head.status} for the jar`);
  const sha1 = (await checksum.text()).trim().split(/\s+/)[0] ?? '';
  const bytes = Number(head.headers.get('content-length'));
  if (!/^[0-9a-f]{40}$/.test(sha1) || !(bytes > 0)) throw new Error(`${url}: no SHA-1 or size published`);
  return { coordinates, sha1, bytes };
}

async function main(): Promise<void> {
  const coordinates = process.argv.slice(2);
  if (coordinates.length === 0) {
    console.error('Usage: npx tsx scripts/pin-kafka-jars.ts <group:artifact:version>...');
    process.exit(2);
  }
  const repository = process.env.MAVEN_REPOSITORY_URL || MAVEN_CENTRAL;
  const pinned = await Promise.all(coordinates.map((c) => pin(c, repository)));
  for (const jar of pinned) console.log(`    ${JSON.stringify(jar)},`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
