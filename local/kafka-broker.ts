/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) for the local
 * runtime and the integration tests: the same version the CDK app deploys (KAFKA_VERSION.local),
 * its jars fetched once from Maven Central as plain files (local/kafka-jars.ts) and cached, its log
 * dir formatted once.
 * Measurements behind the settings: docs/notes/local-kafka-4.1.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { KAFKA_VERSION } from '../lib/config';
import type { WatchdogOptions } from './broker-watchdog';
import { KAFKA_JARS, MAVEN_CENTRAL } from './kafka-jars';
import { DownloadError, downloadJars } from './maven-download';
import { REPO_ROOT } from './paths';
import {
  type DownloadProgress,
  formatDownloadDone,
  formatDownloadProgress,
  formatSeconds,
  formatWaiting,
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
  /**
   * A second listener on this port with SASL OAUTHBEARER over plaintext, checked by Kafka's default
   * validator of unsecured (unsigned) tokens: for tests of the clients' SASL path only, no
   * protection at all. Off unless set.
   */
  readonly oauthbearerPort?: number;
  /**
   * Start the broker in a process group of its own, so that a Ctrl-C in the terminal (which signals
   * the whole foreground group) reaches only the process that started it, which then stops the broker
   * last, after its consumers have committed. Off by default, so that a test run stopped with
   * Ctrl-C takes its broker down with it.
   */
  readonly ownProcessGroup?: boolean;
}

/** Fails with what to install when Java 17+ is missing. */
export function checkJava(): void {
  let javaVersion: string;
  try {
    javaVersion = execFileSync('java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const output = (error as { stderr?: string }).stderr;
    if (!output)
      throw new LocalSetupError(
        'Java is not installed. Install Java 17 or newer (e.g. apt-get install openjdk-17-jre-headless, or brew install openjdk@17).',
      );
    javaVersion = output;
  }
  const major = Number(/version "(\d+)/.exec(javaVersion)?.[1] ?? 0);
  if (major > 0 && major < 17) {
    throw new LocalSetupError(`Java ${major} found; Kafka ${KAFKA_VERSION.local} needs Java 17 or newer.`);
  }
}

/** How often a slow step (the download, the broker start) reports that it is still going. */
const PROGRESS_INTERVAL_MS = 5_000;

/**
 * How long a broker may take to shut down after SIGTERM before it is killed: by stop(), and by the
 * watchdog once the broker's starter is gone. The same bound for both, as it is the same broker with
 * the same logs to flush; a clean shutdown spares the next start a log recovery, and a broker that
 * shuts down well takes a few seconds of it, so the bound only ever delays killing a hung one.
 */
const STOP_GRACE_MS = 20_000;

/** The repository the jars come from: Maven Central, or a mirror of it (MAVEN_REPOSITORY_URL). */
export function mavenRepository(env: NodeJS.ProcessEnv = process.env): string {
  return env.MAVEN_REPOSITORY_URL || MAVEN_CENTRAL;
}

/**
 * Downloads the pinned Kafka jars once into `<dir>/libs-<version>`; later calls only check they are
 * there. Plain HTTPS downloads from Maven Central, each checked against its published SHA-1.
 */
export async function ensureKafkaJars(dir: string, log: (line: string) => void = () => undefined): Promise<string> {
  const libs = join(dir, `libs-${KAFKA_VERSION.local}`);
  const done = join(libs, '.complete');
  if (existsSync(done)) return libs;
  if (KAFKA_JARS.kafkaVersion !== KAFKA_VERSION.local) {
    throw new LocalSetupError(
      `local/kafka-jars.ts pins the jars of Kafka ${KAFKA_JARS.kafkaVersion}, but lib/config.ts runs ${KAFKA_VERSION.local} locally; pin the new version's jars (see local/kafka-jars.ts).`,
    );
  }
  const repository = mavenRepository();
  const megabytes = Math.round(KAFKA_JARS.jars.reduce((sum, jar) => sum + jar.bytes, 0) / 1_000_000);
  log(
    `Fetching Apache Kafka ${KAFKA_VERSION.local} from ${repository} (${KAFKA_JARS.jars.length} jars, about ${megabytes} MB, once)...`,
  );
  let progress: DownloadProgress;
  try {
    progress = await downloadJars({
      jars: KAFKA_JARS.jars,
      dir: libs,
      repository,
      onProgress: (p) => log(formatDownloadProgress(`Kafka ${KAFKA_VERSION.local}`, p)),
    });
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    throw new LocalSetupError(
      `${error.message}\nCheck your access to ${repository} (set MAVEN_REPOSITORY_URL to use a mirror of Maven Central); what arrived is kept, and the next start fetches only the rest.`,
    );
  }
  writeFileSync(done, new Date().toISOString());
  log(formatDownloadDone(`${KAFKA_JARS.jars.length} Kafka jars`, progress));
  return libs;
}

function serverProperties(options: BrokerOptions, dataDir: string): string {
  const sasl = options.oauthbearerPort;
  const clientListeners = [`PLAINTEXT://127.0.0.1:${options.port}`];
  if (sasl !== undefined) clientListeners.push(`SASL_PLAINTEXT://127.0.0.1:${sasl}`);
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${options.controllerPort}`,
    `listeners=${[...clientListeners, `CONTROLLER://127.0.0.1:${options.controllerPort}`].join(',')}`,
    `advertised.listeners=${clientListeners.join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${sasl === undefined ? '' : ',SASL_PLAINTEXT:SASL_PLAINTEXT'}`,
    ...(sasl === undefined
      ? []
      : [
          'sasl.enabled.mechanisms=OAUTHBEARER',
          'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
        ]),
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

/**
 * Starts the watchdog of the broker with `options.brokerPid` (local/broker-watchdog.ts), its stdin a
 * pipe from this process, its output to `out`. Neither the child nor the pipe holds this process
 * open. Node's own type stripping runs it where the Node has it (Node 24, which npm scripts use);
 * tsx, elsewhere.
 */
export function startBrokerWatchdog(options: WatchdogOptions, out: number | 'ignore' = 'ignore'): ChildProcess {
  const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);
  const entry = `require(${JSON.stringify(join(__dirname, 'broker-watchdog.ts'))}).watchBroker(${JSON.stringify(options)})`;
  // NODE_OPTIONS is this process's to use: an --inspect port or a preloaded agent would only get in
  // the watchdog's way. The repository as cwd lets --import find tsx.
  const { NODE_OPTIONS: _own, ...env } = process.env;
  const watchdog = spawn(process.execPath, [...(stripsTypes ? [] : ['--import', 'tsx']), '-e', entry], {
    cwd: REPO_ROOT,
    env,
    stdio: ['pipe', out, out],
  });
  // A watchdog that cannot start leaves the broker as it was before there were watchdogs: stop() ends it.
  watchdog.on('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as Socket | null)?.unref();
  return watchdog;
}

export class KafkaBroker {
  private process?: ChildProcess;
  private exited?: Promise<number | null>;
  /** Stops the broker if this process ends without stop() (local/broker-watchdog.ts). */
  private watchdog?: ChildProcess;

  constructor(private readonly options: BrokerOptions) {}

  get bootstrapServers(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  /** The broker's process id while it runs (the bench reads its CPU time). */
  get pid(): number | undefined {
    return this.process?.exitCode === null ? this.process.pid : undefined;
  }

  /** Fetches jars if needed, formats the log dir on first use, starts the broker, waits until it listens. */
  async start(timeoutMs = 90_000): Promise<void> {
    const log = this.options.log ?? (() => undefined);
    await this.assertPortsFree();
    checkJava();
    const libs = await ensureKafkaJars(join(this.options.dir, '..', 'kafka-dist'), log);
    const classpath = `${libs}/*`;
    const config = this.writeConfig(classpath, log);
    log(`Starting Kafka ${KAFKA_VERSION.local} on ${this.bootstrapServers}...`);
    const child = this.spawnBroker(classpath, config);
    const started = Date.now();
    await this.waitUntilListening(child, started, timeoutMs, log);
    log(`Kafka ${KAFKA_VERSION.local} listening after ${formatSeconds(Date.now() - started)}.`);
  }

  private async assertPortsFree(): Promise<void> {
    const ports = [this.options.port, this.options.controllerPort, this.options.oauthbearerPort];
    for (const port of ports.filter((p) => p !== undefined)) {
      if (await portOpen(port)) {
        throw new LocalSetupError(
          `Port ${port} is already in use. Stop whatever listens there, or choose other ports (KAFKA_PORT sets the broker's; the controller uses KAFKA_PORT + 1).`,
        );
      }
    }
  }

  /** Writes server.properties and the log4j2 settings, formats the log dir on first use; returns the config's path. */
  private writeConfig(classpath: string, log: (line: string) => void): string {
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
    if (!existsSync(join(dataDir, 'meta.properties'))) {
      log('Formatting the Kafka log directory (first run)...');
      const clusterId = execFileSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'], {
        encoding: 'utf8',
      }).trim();
      execFileSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config], {
        stdio: 'ignore',
      });
    }
    return config;
  }

  private spawnBroker(classpath: string, config: string): ChildProcess {
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
      { stdio: ['ignore', out, out], detached: this.options.ownProcessGroup === true },
    );
    this.process = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    if (child.pid !== undefined) {
      const watchdog = startBrokerWatchdog(
        {
          brokerPid: child.pid,
          graceMs: STOP_GRACE_MS,
          ignoreTerminalSignals: this.options.ownProcessGroup === true,
        },
        out,
      );
      this.watchdog = watchdog;
      // However the broker ends (stop(), kill(), a crash), its watchdog has nothing left to do.
      child.once('exit', () => watchdog.kill());
    }
    return child;
  }

  /** Polls the broker's port until it listens; stops the broker and says where its log is if it never does. */
  private async waitUntilListening(
    child: ChildProcess,
    started: number,
    timeoutMs: number,
    log: (line: string) => void,
  ): Promise<void> {
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
  }

  /** Stops the broker cleanly (SIGTERM), killing it if it does not stop in time; its watchdog too. */
  async stop(timeoutMs = STOP_GRACE_MS): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return this.endWatchdog();
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
    await this.endWatchdog();
  }

  /** Kills the broker without a clean shutdown, as a crash would (for tests); its watchdog ends too. */
  async kill(): Promise<void> {
    this.process?.kill('SIGKILL');
    await this.exited;
    this.process = undefined;
    await this.endWatchdog();
  }

  /**
   * Ends the watchdog once the broker has ended, and waits until it has gone. With a signal: closing
   * its stdin would read as this process gone, and it would signal the broker's pid itself.
   */
  private async endWatchdog(): Promise<void> {
    const watchdog = this.watchdog;
    this.watchdog = undefined;
    if (!watchdog || watchdog.pid === undefined || watchdog.exitCode !== null || watchdog.signalCode !== null) return;
    const exited = new Promise((resolve) => watchdog.once('exit', resolve));
    // Held for this wait only: stop() returns with nothing of the broker's left running.
    watchdog.ref();
    watchdog.kill();
    await exited;
  }
}
