/**
 * A strict reader of Prometheus text format 0.0.4 for tests: every line must be a HELP, a TYPE or a
 * sample of the family declared above it; anything else throws with the line number. Written from the
 * spec (https://prometheus.io/docs/instrumenting/exposition_formats/#text-format-details), independently
 * of the writer (prom-client). Empty lines are allowed, as the spec says ("Empty lines are ignored").
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/** Parses a whole exposition into families by name, in order. */
export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a line feed');
  const families = new Map<string, Family>();
  let current: Family | undefined;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line)})`;
    if (line === '') return;
    if (line.startsWith('# HELP ')) {
      const [, name = '', help = ''] = /^# HELP (\S+) (.*)$/.exec(line) ?? [];
      if (!METRIC_NAME.test(name)) throw new Error(`bad HELP at ${where}`);
      if (families.has(name)) throw new Error(`family ${name} declared twice at ${where}`);
      current = { name, help: unescapeHelp(help), type: '', samples: [] };
      families.set(name, current);
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const [, name = '', type = ''] = /^# TYPE (\S+) (\S+)$/.exec(line) ?? [];
      if (!current || current.name !== name || current.type !== '' || !TYPES.has(type)) throw new Error(`bad TYPE at ${where}`);
      current.type = type;
      return;
    }
    if (line.startsWith('#') || line.trim() === '') throw new Error(`unexpected line at ${where}`);
    if (!current || current.type === '') throw new Error(`sample before HELP/TYPE at ${where}`);
    const sample = parseSample(line, where);
    const suffixes = current.type === 'histogram' ? HISTOGRAM_SUFFIXES : [''];
    if (!suffixes.some((suffix) => sample.name === current!.name + suffix)) {
      throw new Error(`sample ${sample.name} outside its family ${current.name} at ${where}`);
    }
    current.samples.push(sample);
  });
  return families;
}

function parseSample(line: string, where: string): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error(`bad metric name at ${where}`);
  const name = nameMatch[0];
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    let i = 1;
    while (rest[i] !== '}') {
      const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(rest.slice(i))?.[0];
      if (!labelName || !LABEL_NAME.test(labelName)) throw new Error(`bad label name at ${where}`);
      i += labelName.length;
      if (rest.slice(i, i + 2) !== '="') throw new Error(`expected =" at ${where}`);
      i += 2;
      let value = '';
      for (;;) {
        const c = rest[i];
        if (c === undefined || c === '\n') throw new Error(`unterminated label value at ${where}`);
        if (c === '"') break;
        if (c === '\\') {
          const next = rest[i + 1];
          if (next === '\\') value += '\\';
          else if (next === '"') value += '"';
          else if (next === 'n') value += '\n';
          else throw new Error(`bad escape \\${next} at ${where}`);
          i += 2;
        } else {
          value += c;
          i += 1;
        }
      }
      i += 1;
      if (labelName in labels) throw new Error(`label ${labelName} repeated at ${where}`);
      labels[labelName] = value;
      if (rest[i] === ',') i += 1;
      else if (rest[i] !== '}') throw new Error(`expected , or } at ${where}`);
    }
    rest = rest.slice(i + 1);
  }
  const valueMatch = /^ (\S+)$/.exec(rest);
  if (!valueMatch) throw new Error(`expected one space and a value (no timestamp) at ${where}`);
  return { name, labels, value: parseValue(valueMatch[1]!, where) };
}

function parseValue(text: string, where: string): number {
  // "as required by Go's ParseFloat()", which takes nan and inf in any letter case (prom-client writes "Nan").
  if (/^\+?inf$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value ${text} at ${where}`);
  return Number(text);
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** The value of the one sample of `family` whose labels include `labels`; throws when not exactly one. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}, family = name): number {
  const found = families.get(family)?.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) ?? [];
  if (found.length !== 1) throw new Error(`expected one ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return found[0]!.value;
}

/**
 * Checks a histogram family the way Prometheus relies on it: `le` bounds strictly increasing and ending
 * in +Inf, cumulative counts never decreasing, the +Inf bucket equal to `_count`. Returns its figures.
 */
export function checkHistogram(family: Family): { bounds: number[]; counts: number[]; sum: number; count: number } {
  if (family.type !== 'histogram') throw new Error(`${family.name} is a ${family.type}`);
  const buckets = family.samples.filter((s) => s.name === `${family.name}_bucket`);
  const bounds = buckets.map((b) => parseValue(b.labels.le ?? '', `le of ${family.name}`));
  const counts = buckets.map((b) => b.value);
  for (let i = 1; i < buckets.length; i += 1) {
    if (!(bounds[i]! > bounds[i - 1]!)) throw new Error(`${family.name}: le not increasing at ${i}`);
    if (counts[i]! < counts[i - 1]!) throw new Error(`${family.name}: bucket counts decrease at ${i}`);
  }
  if (bounds.at(-1) !== Number.POSITIVE_INFINITY) throw new Error(`${family.name}: last bucket is not +Inf`);
  const sum = sampleValue(new Map([[family.name, family]]), `${family.name}_sum`, {}, family.name);
  const count = sampleValue(new Map([[family.name, family]]), `${family.name}_count`, {}, family.name);
  if (counts.at(-1) !== count) throw new Error(`${family.name}: +Inf bucket ${counts.at(-1)} != _count ${count}`);
  return { bounds, counts, sum, count };
}
