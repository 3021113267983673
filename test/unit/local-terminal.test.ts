import { SERVICES } from '../../lib/topology';
import {
  colourEnabled,
  formatBytes,
  formatDownloadDone,
  formatDownloadProgress,
  formatWaiting,
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

describe('Progress lines', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [203_400, '203 kB'],
    [46_849_000, '46.8 MB'],
  ])('formats %d bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('reports files and bytes out of what has to be fetched, and whole seconds', () => {
    // Act
    const line = formatDownloadProgress('Kafka 4.1.2', {
      files: 12,
      bytes: 20_149_000,
      totalFiles: 46,
      totalBytes: 43_601_000,
      elapsedMs: 10_480,
    });

    // Assess
    expect(line).toBe('  still fetching Kafka 4.1.2: 12 of 46 files, 20.1 MB of 43.6 MB, 10 s');
  });

  it.each([
    [
      { files: 46, bytes: 43_601_000, totalFiles: 46, totalBytes: 43_601_000, elapsedMs: 12_300 },
      '46 Kafka jars ready (46 files, 43.6 MB downloaded; 12 s).',
    ],
    [
      { files: 1, bytes: 9_769_826, totalFiles: 1, totalBytes: 9_769_826, elapsedMs: 2_000 },
      '46 Kafka jars ready (1 file, 9.8 MB downloaded; 2 s).',
    ],
    [
      { files: 0, bytes: 0, totalFiles: 0, totalBytes: 0, elapsedMs: 300 },
      '46 Kafka jars ready (already downloaded; 0 s).',
    ],
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
