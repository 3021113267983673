import { SERVICES } from '../../lib/topology';
import {
  colourEnabled,
  formatBytes,
  formatDownloadDone,
  formatDownloadProgress,
  formatWaiting,
  mavenDownloadedBytes,
  paint,
  serviceColour,
} from '../../local/terminal';

describe('Function: colourEnabled', () => {
  it.each([
    ['a terminal, nothing set', {}, true, true],
    ['a pipe or file, nothing set', {}, false, false],
    ['no stream information', {}, undefined, false],
    ['a terminal with NO_COLOR=1', { NO_COLOR: '1' }, true, false],
    ['a terminal with an empty NO_COLOR (means unset)', { NO_COLOR: '' }, true, true],
    ['a pipe with FORCE_COLOR=1', { FORCE_COLOR: '1' }, false, true],
    ['a pipe with an empty FORCE_COLOR', { FORCE_COLOR: '' }, false, true],
    ['a terminal with FORCE_COLOR=0', { FORCE_COLOR: '0' }, true, false],
    ['a terminal with FORCE_COLOR=false', { FORCE_COLOR: 'false' }, true, false],
    ['FORCE_COLOR and NO_COLOR both set: FORCE_COLOR wins', { FORCE_COLOR: '1', NO_COLOR: '1' }, false, true],
  ])('%s', (_case, env, isTTY, expected) => {
    // Act
    const enabled = colourEnabled(env as NodeJS.ProcessEnv, isTTY);

    // Assess
    expect(enabled).toBe(expected);
  });
});

describe('Function: serviceColour and paint', () => {
  it('gives every service its own colour', () => {
    // Act
    const colours = SERVICES.map((s) => serviceColour(s));

    // Assess
    expect(new Set(colours).size).toBe(SERVICES.length);
  });

  it('wraps text in the ANSI colour and a reset only when enabled', () => {
    // Act
    const coloured = paint('payment', serviceColour('payment'), true);
    const plain = paint('payment', serviceColour('payment'), false);

    // Assess
    expect(coloured).toBe(`\u001b[${serviceColour('payment')}mpayment\u001b[39m`);
    expect(plain).toBe('payment');
  });
});

describe('Function: mavenDownloadedBytes', () => {
  it.each([
    [
      '[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/apache/kafka/kafka_2.13/4.1.2/kafka_2.13-4.1.2.jar (6.6 MB at 5.2 MB/s)',
      6_600_000,
    ],
    ['Downloaded from central: https://repo.maven.apache.org/maven2/x/y/1/y-1.pom (2.1 kB at 40 kB/s)', 2_100],
    ['[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/x/y/1/y-1.pom (830 B at 9.1 kB/s)', 830],
  ])('reads the size of a finished transfer: %s', (line, bytes) => {
    expect(mavenDownloadedBytes(line)).toBe(bytes);
  });

  it.each([
    '[INFO] Downloading from central: https://repo.maven.apache.org/maven2/x/y/1/y-1.jar',
    '[INFO] Copying kafka_2.13-4.1.2.jar to /tmp/libs/kafka_2.13-4.1.2.jar',
    '[ERROR] Failed to execute goal on project kafka-broker: Could not resolve dependencies',
    '',
  ])('ignores any other line: %s', (line) => {
    expect(mavenDownloadedBytes(line)).toBeUndefined();
  });
});

describe('Progress lines', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [203_400, '203 kB'],
    [46_849_000, '46.8 MB'],
  ])('formats %d bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('reports files, bytes and whole seconds of a download', () => {
    // Act
    const line = formatDownloadProgress('Kafka 4.1.2', { files: 213, bytes: 46_849_000, elapsedMs: 10_480 });

    // Assess
    expect(line).toBe('  still fetching Kafka 4.1.2: 213 files downloaded, 46.8 MB, 10 s');
  });

  it('says "file" for one file', () => {
    expect(formatDownloadProgress('Kafka', { files: 1, bytes: 500, elapsedMs: 5_000 })).toBe(
      '  still fetching Kafka: 1 file downloaded, 500 B, 5 s',
    );
  });

  it('says Maven is still resolving while nothing has arrived, instead of "0 files"', () => {
    expect(formatDownloadProgress('Kafka', { files: 0, bytes: 0, elapsedMs: 15_000 })).toBe(
      '  still fetching Kafka: Maven is resolving, nothing downloaded yet, 15 s',
    );
  });

  it.each([
    [
      { files: 407, bytes: 52_000_000, elapsedMs: 12_300 },
      '46 Kafka jars ready (407 files, 52.0 MB downloaded; 12 s).',
    ],
    [{ files: 0, bytes: 0, elapsedMs: 24_000 }, '46 Kafka jars ready (all from the local Maven repository; 24 s).'],
  ])('closes a download with what arrived: %j', (progress, line) => {
    expect(formatDownloadDone('46 Kafka jars', progress)).toBe(line);
  });

  it('reports what a wait is for, for how long, and where to look', () => {
    // Act
    const line = formatWaiting('Kafka to listen on 127.0.0.1:9092', 15_200, 'log: .local/kafka/server.log');

    // Assess
    expect(line).toBe('  waiting for Kafka to listen on 127.0.0.1:9092: 15 s (log: .local/kafka/server.log)');
  });
});
