/**
 * `npm start -- --help`, and the one list of environment variables the local runtime reads: a test
 * checks that local/ and bin/local.ts read no other, so the help cannot fall behind the code.
 */
export const LOCAL_ENV_VARS = {
  PORT: 'API Gateway emulator port (default 3000)',
  KAFKA_PORT: 'Kafka broker port (default 9092; the KRaft controller uses KAFKA_PORT + 1)',
  DYNAMODB_PORT: 'DynamoDB API (dynalite) port (default 8000)',
  LOCAL_DIR: 'where the local runtime keeps everything (default .local/ in the repository)',
  MAVEN_REPOSITORY_URL:
    'where the Kafka jars are fetched from (default Maven Central; a mirror laid out the same way works)',
  NO_COLOR: 'set to anything but empty for no colours',
  FORCE_COLOR: 'colours even when the output is not a terminal (0 or false: never; wins over NO_COLOR)',
  POWERTOOLS_LOG_LEVEL: "the handlers' Powertools log level (default WARN, INFO with --json)",
  AWS_REGION: "region of the handlers' AWS SDK clients (default eu-west-1; nothing leaves this machine)",
  AWS_ACCESS_KEY_ID: 'credentials the SDK signs local requests with (default "local"; dynalite accepts any)',
  AWS_SECRET_ACCESS_KEY: 'as AWS_ACCESS_KEY_ID',
  ESM_READING:
    'how the MSK trigger emulator behaves where AWS does not document it (default reported-only,per-record,leaves-only; docs/RELIABILITY.md)',
  AWS_XRAY_MANUAL_MODE:
    "the X-Ray SDK's manual mode (default true: tracing is off locally, and its automatic mode hooks every promise)",
} as const;

export type LocalEnvVar = keyof typeof LOCAL_ENV_VARS;

export function helpText(): string {
  const width = Math.max(...Object.keys(LOCAL_ENV_VARS).map((name) => name.length)) + 2;
  const environment = Object.entries(LOCAL_ENV_VARS).map(([name, text]) => `  ${name.padEnd(width)}${text}`);
  return [
    'Usage: npm start [-- --json] [--no-watch]   run the pipeline locally',
    '       npm run local:reset             delete the local state (topics, tables, outbox; keeps the Kafka download)',
    '       npm run invoke -- <function> <event file|-> [--json]    run one function once',
    '       npm run produce -- <topic> [--key K] [--event <Type>] [file|-]    put one record on a topic',
    '',
    'Options:',
    '  --json        handlers log Powertools JSON, and the event lines are JSON too (never coloured)',
    '  --no-watch    do not reload the functions when lambdas/ or lib/ change (reloading is on by default:',
    '                the new code is built and type-checked, then swapped in; a batch in flight finishes on',
    '                the old code, and a syntax or type error keeps the old code running)',
    '  --help, -h    this text',
    '',
    'Environment:',
    ...environment,
    '',
    "Event lines are coloured by service when the output is a terminal. Needs Java 17+ (Kafka's jars",
    'are fetched from Maven Central on the first run, about 45 MB, each checked against its SHA-1).',
  ].join('\n');
}
