/**
 * The building blocks of Prometheus' text exposition format 0.0.4, written by hand: counters with
 * labels, fixed-bucket histograms and gauges, each rendering its own `# HELP`/`# TYPE` block.
 * Spec: https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

/** The Content-Type a Prometheus server expects for this format. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Readonly<Record<string, string>>;

/** Escapes a label value: backslash, double quote and line feed are the only characters the format escapes. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed (quotes stay as they are). */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Go's ParseFloat reads it: `+Inf`, `-Inf` and `NaN` spelled the Prometheus way. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** `{a="x",b="y"}`, or nothing for no labels. */
export function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function header(name: string, help: string, type: 'counter' | 'histogram' | 'gauge'): string[] {
  return [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
}

/** A monotonically increasing count, optionally split by a fixed list of label names. */
export class Counter {
  readonly name: string;
  readonly #help: string;
  readonly #labelNames: readonly string[];
  readonly #series = new Map<string, { labels: Labels; value: number }>();

  /** `name` should end in `_total`, as the Prometheus naming rules ask of counters. */
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    this.name = name;
    this.#help = help;
    this.#labelNames = labelNames;
  }

  /** Adds `by` (default 1); negative or non-finite amounts are ignored, a counter never goes down. */
  inc(labels: Labels = {}, by = 1): void {
    if (!Number.isFinite(by) || by < 0) return;
    const series = this.#seriesFor(labels);
    series.value += by;
  }

  /** Creates the series at 0 so `rate()` and `increase()` work from the first scrape. */
  init(labels: Labels = {}): void {
    this.#seriesFor(labels);
  }

  /** Current value of one series (0 when it does not exist). */
  get(labels: Labels = {}): number {
    return this.#series.get(this.#key(labels))?.value ?? 0;
  }

  /** How many label combinations exist. */
  get seriesCount(): number {
    return this.#series.size;
  }

  render(): string[] {
    const lines = header(this.name, this.#help, 'counter');
    for (const { labels, value } of this.#series.values()) lines.push(`${this.name}${formatLabels(labels)} ${formatValue(value)}`);
    return lines;
  }

  #seriesFor(labels: Labels): { labels: Labels; value: number } {
    const key = this.#key(labels);
    let series = this.#series.get(key);
    if (!series) {
      // Labels are stored in the declared order so every line of the family reads the same way.
      const ordered: Record<string, string> = {};
      for (const name of this.#labelNames) ordered[name] = labels[name] ?? '';
      series = { labels: ordered, value: 0 };
      this.#series.set(key, series);
    }
    return series;
  }

  #key(labels: Labels): string {
    return JSON.stringify(this.#labelNames.map((name) => labels[name] ?? ''));
  }
}

/** A distribution over fixed upper bounds (seconds), rendered as cumulative `_bucket`s plus `_sum` and `_count`. */
export class Histogram {
  readonly name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  /** Observations per bucket, not cumulative; the last slot is the +Inf overflow. */
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(name: string, help: string, bounds: readonly number[]) {
    const sorted = [...bounds].sort((a, b) => a - b);
    if (sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b === sorted[i - 1]))) {
      throw new RangeError(`${name}: bucket bounds must be finite and distinct`);
    }
    this.name = name;
    this.#help = help;
    this.#bounds = sorted;
    this.#counts = new Array<number>(sorted.length + 1).fill(0);
  }

  /** Records one value; non-finite and negative values are dropped (a latency is never negative). */
  observe(value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    let index = this.#bounds.findIndex((bound) => value <= bound);
    if (index === -1) index = this.#bounds.length;
    this.#counts[index]! += 1;
    this.#sum += value;
    this.#count += 1;
  }

  get count(): number {
    return this.#count;
  }

  get sum(): number {
    return this.#sum;
  }

  render(): string[] {
    const lines = header(this.name, this.#help, 'histogram');
    let cumulative = 0;
    this.#bounds.forEach((bound, i) => {
      cumulative += this.#counts[i]!;
      lines.push(`${this.name}_bucket${formatLabels({ le: formatValue(bound) })} ${cumulative}`);
    });
    lines.push(`${this.name}_bucket${formatLabels({ le: '+Inf' })} ${this.#count}`);
    lines.push(`${this.name}_sum ${formatValue(this.#sum)}`);
    lines.push(`${this.name}_count ${this.#count}`);
    return lines;
  }
}

/** One unlabelled gauge sample with its HELP/TYPE block. */
export function renderGauge(name: string, help: string, value: number): string[] {
  return [...header(name, help, 'gauge'), `${name} ${formatValue(value)}`];
}
