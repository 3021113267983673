/**
 * Where AWS does not document how Lambda's Kafka trigger behaves, the emulator does not guess: it
 * offers each plausible reading as a setting, and the fault suite proves the pipeline's guarantees
 * under all of them (docs/RELIABILITY.md, "What the trigger does where AWS is silent").
 *
 * What AWS does document is not a setting: a partial batch response names the failed records and
 * "Lambda can retry only the failed records" (kafka-retry-configurations.html); splitting a batch
 * (bisect) does not use up the retry quota (documented for Kinesis, kinesis-on-failure-destination.html;
 * nothing says Kafka differs); an identifier that was not in the event fails the whole batch.
 */

export interface EsmReading {
  /**
   * What comes back after a partial batch response. `reported-only`: the records named, and the
   * others count as done (AWS's wording). `from-lowest`: the partition resumes from its lowest
   * named offset, as Lambda documents for Kinesis and Kafka's positional commits would suggest
   * (records after it come again).
   */
  readonly partialRedelivery: 'reported-only' | 'from-lowest';
  /**
   * How MaximumRetryAttempts is spent, which AWS does not document for Kafka. `per-record`: every
   * record counts the failed invocations it was part of (or was named in), and is dead-lettered
   * once its own count is over; the most pessimistic reading. `per-batch`: the partition counts
   * failed invocations in a row, and the count starts again once its head moves on.
   */
  readonly retryCounting: 'per-record' | 'per-batch';
  /**
   * How a value matcher on `value` treats a JSON value. `leaves-only`: as EventBridge documents,
   * matchers apply to leaves, so `{"value":[{"anything-but":[""]}]}` matches plain strings only.
   * `whole-value`: Lambda compares the whole value, so that pattern lets every JSON event through
   * too, and functions receive their topic's events of other subscribers.
   */
  readonly filterValueMatch: 'leaves-only' | 'whole-value';
}

/** The reading `npm start` uses unless told otherwise: AWS's wording, and the pessimistic count. */
export const DEFAULT_READING: EsmReading = {
  partialRedelivery: 'reported-only',
  retryCounting: 'per-record',
  filterValueMatch: 'leaves-only',
};

/**
 * Four readings that between them pair every choice of each setting with every choice of each
 * other one (an orthogonal array over three two-way choices): what the fault suite runs under.
 */
export const READINGS_UNDER_TEST: readonly EsmReading[] = [
  DEFAULT_READING,
  { partialRedelivery: 'from-lowest', retryCounting: 'per-record', filterValueMatch: 'whole-value' },
  { partialRedelivery: 'from-lowest', retryCounting: 'per-batch', filterValueMatch: 'leaves-only' },
  { partialRedelivery: 'reported-only', retryCounting: 'per-batch', filterValueMatch: 'whole-value' },
];

const CHOICES = {
  partialRedelivery: ['reported-only', 'from-lowest'],
  retryCounting: ['per-record', 'per-batch'],
  filterValueMatch: ['leaves-only', 'whole-value'],
} as const;

/** `reported-only,per-record,leaves-only`: the form ESM_READING takes. */
export function readingName(reading: EsmReading): string {
  return `${reading.partialRedelivery},${reading.retryCounting},${reading.filterValueMatch}`;
}

export class EsmReadingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EsmReadingError';
  }
}

/**
 * Parses ESM_READING: up to three of the choices, comma-separated, in any order; the rest from the
 * default. Refuses anything else with the list of choices.
 */
export function parseReading(text: string | undefined): EsmReading {
  if (text === undefined || text.trim() === '') return DEFAULT_READING;
  const reading: Record<keyof EsmReading, string> = { ...DEFAULT_READING };
  for (const word of text.split(',').map((w) => w.trim())) {
    const setting = (Object.keys(CHOICES) as (keyof EsmReading)[]).find((k) =>
      (CHOICES[k] as readonly string[]).includes(word),
    );
    if (!setting) {
      const all = Object.values(CHOICES)
        .map((c) => c.join(' | '))
        .join('; ');
      throw new EsmReadingError(`ESM_READING: "${word}" is not a reading; choose from: ${all}`);
    }
    reading[setting] = word;
  }
  return reading as unknown as EsmReading;
}

/** One of READINGS_UNDER_TEST by its full name; throws for any other, so a test cannot run a reading nobody listed. */
export function readingNamed(name: string): EsmReading {
  const reading = READINGS_UNDER_TEST.find((r) => readingName(r) === name);
  if (!reading)
    throw new EsmReadingError(
      `"${name}" is not one of the readings under test: ${READINGS_UNDER_TEST.map(readingName).join('; ')}`,
    );
  return reading;
}
