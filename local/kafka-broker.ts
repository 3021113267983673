/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) for the local
 * runtime and the integration tests: the same version the CDK app deploys (KAFKA_VERSION.local),
 * its jars fetched once from Maven Central with `mvn` and cached, its log dir formatted once.
 * Measurements behind the settings: docs/notes/local-kafka-4.1.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { KAFKA_VERSION } from '../lib/config';
import {
  formatDownloadDone,
  formatDownloadProgress,
  formatSeconds,
  formatWaiting,
  mavenDownloadedBytes,
} from './terminal';

export class LocalSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalSetupError';
  }
}

export interface BrokerOptions {
  /** Folder for jars, data and logs (one broker per folder). */
  readonly dir: string;
  readonly port: number;
  readonly controllerPort: number;
  /** Progress lines for a person watching. */
  readonly log?: (line: string) => void;
}

const LOG4J_SLF4J = 'org.apache.logging.log4j:log4j-slf4j-impl:2.25.3';

/** Fails with what to install when Java 17+ or Maven is missing. */
export function checkJavaAndMaven(): void {
  let javaVersion: string;
  try {
    javaVersion = execFileSync('java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const output = (error as { stderr?: string }).stderr;
    if (!output)
      throw new LocalSetupError(
        'Java is not installed. Install Java 17 or newer (e.g. apt-get install openjdk-17-jre-headless).',
      );
    javaVersion = output;
  }
  const major = Number(/version "(\d+)/.exec(javaVersion)?.[1] ?? 0);
  if (major > 0 && major < 17) {
    throw new LocalSetupError(`Java ${major} found; Kafka ${KAFKA_VERSION.local} needs Java 17 or newer.`);
  }
  try {
    execFileSync('mvn', ['-v'], { stdio: 'ignore' });
  } catch {
    throw new LocalSetupError(
      'Maven is not installed; it fetches Kafka from Maven Central. Install it (e.g. apt-get install maven).',
    );
  }
}

/** How often a slow step (the download, the broker start) reports that it is still going. */
const PROGRESS_INTERVAL_MS = 5_000;
/** Maven's last lines kept for the error message when it fails. */
const MAVEN_TAIL_LINES = 20;

/** Downloads the Kafka jars once into `<dir>/libs-<version>`; later calls only check they are there. */
export async function ensureKafkaJars(dir: string, log: (line: string) => void = () => undefined): Promise<string> {
  const libs = join(dir, `libs-${KAFKA_VERSION.local}`);
  const done = join(libs, '.complete');
  if (existsSync(done)) return libs;
  checkJavaAndMaven();
  mkdirSync(dir, { recursive: true });
  const pom = join(dir, 'pom.xml');
  const [g, a, v] = LOG4J_SLF4J.split(':');
  writeFileSync(
    pom,
    `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>kafka-broker</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION.local}</version></dependency>
    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>
  </dependencies>
</project>
`,
  );
  log(`Fetching Apache Kafka ${KAFKA_VERSION.local} from Maven Central (about 45 MB, once)...`);
  const started = Date.now();
  const progress = { files: 0, bytes: 0 };
  const tail: string[] = [];
  const child = spawn(
    'mvn',
    [
      '-B',
      '-Dstyle.color=never',
      '-f',
      pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      const bytes = mavenDownloadedBytes(line);
      if (bytes !== undefined) {
        progress.files++;
        progress.bytes += bytes;
      }
      tail.push(line);
      if (tail.length > MAVEN_TAIL_LINES) tail.shift();
    });
  }
  const timer = setInterval(
    () => log(formatDownloadProgress(`Kafka ${KAFKA_VERSION.local}`, { ...progress, elapsedMs: Date.now() - started })),
    PROGRESS_INTERVAL_MS,
  );
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', (code) => resolve(code));
  }).finally(() => clearInterval(timer));
  if (exitCode !== 0) {
    throw new LocalSetupError(
      `Maven could not fetch org.apache.kafka:kafka_2.13:${KAFKA_VERSION.local}; check your access to Maven Central. ` +
        `Maven's last lines:\n${tail.join('\n')}`,
    );
  }
  writeFileSync(done, new Date().toISOString());
  const jars = readdirSync(libs).filter((f) => f.endsWith('.jar')).length;
  log(formatDownloadDone(`${jars} Kafka jars`, { ...progress, elapsedMs: Date.now() - started }));
  return libs;
}

function serverProperties(options: BrokerOptions, dataDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${options.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${options.port},CONTROLLER://127.0.0.1:${options.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${options.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    // The same durability-minded broker settings as MSK, scaled to one node.
    'auto.create.topics.enable=false',
    'unclean.leader.election.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // The 128 MiB default is allocated at start and does not fit a small heap.
    'log.cleaner.dedupe.buffer.size=8388608',
    // A broker killed without shutting down is re-admitted sooner on restart.
    'broker.session.timeout.ms=4000',
    'broker.heartbeat.interval.ms=1000',
    '',
  ].join('\n');
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class KafkaBroker {
  private process?: ChildProcess;
  private exited?: Promise<number | null>;

  constructor(private readonly options: BrokerOptions) {}

  get bootstrapServers(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  /** Fetches jars if needed, formats the log dir on first use, starts the broker, waits until it listens. */
  async start(timeoutMs = 90_000): Promise<void> {
    const log = this.options.log ?? (() => undefined);
    for (const port of [this.options.port, this.options.controllerPort]) {
      if (await portOpen(port)) {
        throw new LocalSetupError(
          `Port ${port} is already in use. Stop whatever listens there, or choose other ports (KAFKA_PORT sets the broker's; the controller uses KAFKA_PORT + 1).`,
        );
      }
    }
    const libs = await ensureKafkaJars(join(this.options.dir, '..', 'kafka-dist'), log);
    const dataDir = join(this.options.dir, 'data');
    const config = join(this.options.dir, 'server.properties');
    mkdirSync(this.options.dir, { recursive: true });
    writeFileSync(config, serverProperties(this.options, dataDir));
    writeFileSync(
      join(this.options.dir, 'log4j2.properties'),
      [
        'rootLogger.level=INFO',
        'rootLogger.appenderRef.file.ref=file',
        'appender.file.type=File',
        'appender.file.name=file',
        `appender.file.fileName=${join(this.options.dir, 'server.log')}`,
        'appender.file.layout.type=PatternLayout',
        'appender.file.layout.pattern=[%d] %p %m (%c)%n',
        '',
      ].join('\n'),
    );
    const classpath = `${libs}/*`;
    if (!existsSync(join(dataDir, 'meta.properties'))) {
      log('Formatting the Kafka log directory (first run)...');
      const clusterId = execFileSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'], {
        encoding: 'utf8',
      }).trim();
      execFileSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config], {
        stdio: 'ignore',
      });
    }
    log(`Starting Kafka ${KAFKA_VERSION.local} on ${this.bootstrapServers}...`);
    const out = openSync(join(this.options.dir, 'stdout.log'), 'a');
    const child = spawn(
      'java',
      [
        '-Xms256m',
        '-Xmx256m',
        `-Dlog4j2.configurationFile=${join(this.options.dir, 'log4j2.properties')}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        config,
      ],
      { stdio: ['ignore', out, out] },
    );
    this.process = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const started = Date.now();
    const deadline = started + timeoutMs;
    let reported = started;
    while (!(await portOpen(this.options.port))) {
      if (child.exitCode !== null) {
        throw new LocalSetupError(
          `Kafka exited during start (code ${child.exitCode}); see ${join(this.options.dir, 'server.log')}.`,
        );
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new LocalSetupError(
          `Kafka did not start within ${timeoutMs / 1000} s; see ${join(this.options.dir, 'server.log')}.`,
        );
      }
      if (Date.now() - reported >= PROGRESS_INTERVAL_MS) {
        reported = Date.now();
        log(
          formatWaiting(
            `Kafka to listen on ${this.bootstrapServers}`,
            reported - started,
            `gives up after ${timeoutMs / 1000} s; log: ${join(this.options.dir, 'server.log')}`,
          ),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    log(`Kafka ${KAFKA_VERSION.local} listening after ${formatSeconds(Date.now() - started)}.`);
  }

  /** Stops the broker cleanly (SIGTERM), killing it if it does not stop in time. */
  async stop(timeoutMs = 20_000): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      this.exited,
      new Promise((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (stopped === 'timeout') {
      child.kill('SIGKILL');
      await this.exited;
    }
    this.process = undefined;
  }

  /** Kills the broker without a clean shutdown, as a crash would (for tests). */
  async kill(): Promise<void> {
    this.process?.kill('SIGKILL');
    await this.exited;
    this.process = undefined;
  }
}
