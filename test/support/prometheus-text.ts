/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for tests: every line must be
 * a HELP, a TYPE, a blank line or a sample of a family whose HELP and TYPE came before it.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(?:,|$)/;
const VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|[+-]Inf|NaN)$/;
const SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  text.split('\n').forEach((line, index) => {
    const fail = (why: string) => {
      throw new Error(`line ${index + 1} ${why}: ${JSON.stringify(line)}`);
    };
    if (line === '') return;
    if (line.startsWith('# HELP ')) {
      const [, name = '', help = ''] = HELP.exec(line) ?? fail('is not a valid HELP line');
      if (helps.has(name)) fail('repeats a HELP');
      helps.set(name, help);
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const [, name = '', type = ''] = TYPE.exec(line) ?? fail('is not a valid TYPE line');
      const help = helps.get(name);
      if (help === undefined) fail('has no HELP before it');
      if (families.has(name)) fail('repeats a TYPE');
      families.set(name, { name, help: help as string, type, samples: [] });
      return;
    }
    if (line.startsWith('#')) fail('is a comment the exporter should not write');
    const [, name = '', rawLabels, rawValue = ''] = SAMPLE.exec(line) ?? fail('is not a sample line');
    if (!VALUE.test(rawValue)) fail('has an invalid value');
    const family = familyOf(families, name) ?? fail('belongs to no family declared before it');
    (family as Family).samples.push({ name, labels: parseLabels(rawLabels ?? '', fail), value: Number(rawValue) });
  });
  return families;
}

function familyOf(families: Map<string, Family>, sample: string): Family | undefined {
  const exact = families.get(sample);
  if (exact) return exact;
  for (const family of families.values()) {
    const suffixes = SUFFIXES[family.type] ?? [];
    if (suffixes.some((suffix) => sample === `${family.name}${suffix}`)) return family;
  }
  return undefined;
}

function parseLabels(raw: string, fail: (why: string) => never): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = raw;
  while (rest.length > 0) {
    const match = LABEL.exec(rest) ?? fail('has malformed labels');
    const [whole, name = '', value = ''] = match;
    if (name in labels) fail(`repeats the label ${name}`);
    labels[name] = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    rest = rest.slice(whole.length);
  }
  return labels;
}

/** The value of the one sample with exactly these labels (among others), or undefined. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string>,
  sampleName = name,
): number | undefined {
  const matches = (families.get(name)?.samples ?? []).filter(
    (s) => s.name === sampleName && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${sampleName} match ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}
