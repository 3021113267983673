/**
 * Kafka's jars as plain downloads: the pinned list agrees with the Kafka version the project runs,
 * and the downloader checks every file against the repository's published SHA-1 and the pin,
 * against a real HTTP server on loopback laid out as Maven Central is.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KAFKA_VERSION } from '../../lib/config';
import { jarFileName, jarUrl, KAFKA_JARS, MAVEN_CENTRAL, type PinnedJar } from '../../local/kafka-jars';
import { DownloadError, downloadJars } from '../../local/maven-download';

const sha1 = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');

describe('The pinned Kafka jars', () => {
  it('are those of the Kafka version the local broker runs', () => {
    expect(KAFKA_JARS.kafkaVersion).toBe(KAFKA_VERSION.local);
    const kafka = KAFKA_JARS.jars.filter((jar) => jar.coordinates.startsWith('org.apache.kafka:'));
    expect(kafka.map((jar) => jar.coordinates)).toContain(`org.apache.kafka:kafka_2.13:${KAFKA_VERSION.local}`);
    for (const jar of kafka) expect(jar.coordinates.endsWith(`:${KAFKA_VERSION.local}`)).toBe(true);
  });

  it('are each pinned once, with a SHA-1 and a size', () => {
    const names = KAFKA_JARS.jars.map((jar) => jarFileName(jar.coordinates));
    expect(new Set(names).size).toBe(names.length);
    for (const jar of KAFKA_JARS.jars) {
      expect(jar.sha1).toMatch(/^[0-9a-f]{40}$/);
      expect(jar.bytes).toBeGreaterThan(0);
    }
  });

  it('live at the address Maven Central gives them', () => {
    expect(jarUrl('org.apache.kafka:kafka_2.13:4.1.2')).toBe(
      `${MAVEN_CENTRAL}/org/apache/kafka/kafka_2.13/4.1.2/kafka_2.13-4.1.2.jar`,
    );
    expect(jarUrl('com.github.luben:zstd-jni:1.5.6-10', 'http://mirror/maven2/')).toBe(
      'http://mirror/maven2/com/github/luben/zstd-jni/1.5.6-10/zstd-jni-1.5.6-10.jar',
    );
    expect(() => jarUrl('org.apache.kafka:kafka_2.13')).toThrow('is not group:artifact:version');
  });
});

describe('Function: downloadJars', () => {
  /** Files the fake repository serves, by path; `requests` counts what was asked for. */
  let files: Map<string, Buffer>;
  let requests: string[];
  let server: Server;
  let repository: string;
  let dir: string;

  const pin = (coordinates: string, content: string): PinnedJar => {
    const bytes = Buffer.from(content);
    const path = new URL(jarUrl(coordinates, repository)).pathname;
    files.set(path, bytes);
    files.set(`${path}.sha1`, Buffer.from(`${sha1(bytes)}  ${jarFileName(coordinates)}\n`));
    return { coordinates, sha1: sha1(bytes), bytes: bytes.length };
  };

  beforeEach(async () => {
    files = new Map();
    requests = [];
    server = createServer((request, response) => {
      const path = request.url ?? '';
      requests.push(path);
      const body = files.get(path);
      response.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    repository = `http://127.0.0.1:${(server.address() as AddressInfo).port}/maven2`;
    dir = mkdtempSync(join(tmpdir(), 'jars-'));
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches every jar, checked against its published SHA-1, and reports what arrived', async () => {
    // Prepare
    const jars = [pin('org.example:a:1.0', 'jar a'), pin('org.example.deep:b:2.0', 'jar bb')];

    // Act
    const progress = await downloadJars({ jars, dir, repository });

    // Assess
    expect(readdirSync(dir).sort()).toEqual(['a-1.0.jar', 'b-2.0.jar']);
    expect(readFileSync(join(dir, 'b-2.0.jar'), 'utf8')).toBe('jar bb');
    expect(progress).toMatchObject({ files: 2, bytes: 11, totalFiles: 2, totalBytes: 11 });
    expect(requests).toEqual(expect.arrayContaining(['/maven2/org/example/deep/b/2.0/b-2.0.jar.sha1']));
  });

  it('keeps a jar already there with the pinned hash, and replaces one that is not', async () => {
    // Prepare
    const jars = [pin('org.example:a:1.0', 'jar a'), pin('org.example:b:2.0', 'jar b')];
    writeFileSync(join(dir, 'a-1.0.jar'), 'jar a');
    writeFileSync(join(dir, 'b-2.0.jar'), 'half a ja');

    // Act
    const progress = await downloadJars({ jars, dir, repository });

    // Assess
    expect(requests.filter((r) => r.includes('/a/'))).toEqual([]);
    expect(readFileSync(join(dir, 'b-2.0.jar'), 'utf8')).toBe('jar b');
    expect(progress).toMatchObject({ files: 1, totalFiles: 1 });
  });

  it('refuses a jar whose bytes do not match the published SHA-1, after its tries, and leaves nothing behind', async () => {
    // Prepare
    const jar = pin('org.example:a:1.0', 'jar a');
    files.set(new URL(jarUrl(jar.coordinates, repository)).pathname, Buffer.from('tampered'));

    // Act
    const download = downloadJars({ jars: [jar], dir, repository, attempts: 2 });

    // Assess
    await expect(download).rejects.toThrow(DownloadError);
    await expect(download).rejects.toThrow(
      /Could not fetch org\.example:a:1\.0 .* \(2 tries\): .*a-1\.0\.jar arrived with SHA-1 [0-9a-f]{40}, not the published/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('stops at once when the repository publishes another SHA-1 than the pin', async () => {
    // Prepare
    const jar = { ...pin('org.example:a:1.0', 'jar a'), sha1: '0'.repeat(40) };

    // Act
    const download = downloadJars({ jars: [jar], dir, repository, attempts: 3 });

    // Assess
    await expect(download).rejects.toThrow(
      /\(1 try\): .*a-1\.0\.jar\.sha1 says [0-9a-f]{40}, but local\/kafka-jars\.ts pins 0{40}/,
    );
    expect(requests).toHaveLength(1);
    expect(existsSync(join(dir, 'a-1.0.jar'))).toBe(false);
  });

  it('names the address and the HTTP status of a jar the repository does not have', async () => {
    // Act
    const download = downloadJars({
      jars: [{ coordinates: 'org.example:gone:1.0', sha1: 'a'.repeat(40), bytes: 1 }],
      dir,
      repository,
      attempts: 1,
    });

    // Assess
    await expect(download).rejects.toThrow(`${repository}/org/example/gone/1.0/gone-1.0.jar.sha1 answered HTTP 404`);
  });
});
