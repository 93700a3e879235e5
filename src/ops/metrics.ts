/**
 * Parley's metrics on prom-client (the maintained Prometheus client), rendered for a Prometheus scrape of
 * `GET /metrics`. The core reports turns, errors and latencies through {@link Metrics}; spend is read at
 * scrape time from the usage rows this process wrote (the records /usage and the budget read, so the three
 * never disagree); the client's default process and Node.js metrics (memory, CPU, event loop lag, GC...)
 * come with them.
 *
 * Cardinality is bounded on purpose: turn kinds and statuses are fixed lists, error kinds are capped
 * (see {@link MAX_ERROR_KINDS}) and spend has no guild label at all, because a bot can sit in any
 * number of guilds and each label value is a new time series kept by Prometheus for weeks. Per-guild
 * spend lives in the database (the usage table) where budgets read it.
 *
 * Sharded, every shard process keeps its own registry and the manager merges them (see
 * `aggregateMetrics`), so one scrape describes the whole bot.
 */
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

export type TurnKind = 'ask' | 'talk' | 'announce';
export type TurnStatus = 'complete' | 'interrupted' | 'failed';

/** One registry's content as plain data, as it crosses from a shard process to the manager. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/** What the core reports; every method is cheap and never throws. */
export interface Metrics {
  turnStarted(kind: TurnKind): void;
  turnFinished(kind: TurnKind, status: TurnStatus): void;
  /** A failure by kind, e.g. 'openai_429', 'openai_5xx', 'voice_disconnect', 'command'. */
  error(kind: string): void;
  /** Member's last speech -> request sent to OpenAI. */
  endOfTurnMs(ms: number): void;
  /** Request sent -> first answer packet played. */
  firstAudioMs(ms: number): void;
  /** A speculative answer start settled: `used` (the turn was confirmed) or `wasted` (the member spoke on). */
  speculativeStart(outcome: 'used' | 'wasted'): void;
  /** Everything in Prometheus text exposition format 0.0.4. */
  render(): Promise<string>;
  /** The same as data, for merging with other processes' registries. */
  snapshot(): Promise<MetricsSnapshot>;
}

/** Content type of {@link Metrics.render}: text format 0.0.4. */
export const EXPOSITION_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export const TURN_KINDS: readonly TurnKind[] = ['ask', 'talk', 'announce'];
export const TURN_STATUSES: readonly TurnStatus[] = ['complete', 'interrupted', 'failed'];

/**
 * Upper bounds in seconds for voice latencies: fine steps where a conversation feels live (50 ms to
 * 1.5 s), coarse ones up to 10 s where something is wrong anyway.
 */
export const LATENCY_BUCKETS_S: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 1, 1.25, 1.5, 2, 3, 5, 7.5, 10,
];

/** Distinct error kinds kept as their own series; later new kinds are counted as `other`. */
export const MAX_ERROR_KINDS = 32;
/** Longer error kinds are cut: a kind is a short identifier, never a message. */
const MAX_ERROR_KIND_LENGTH = 48;
const OTHER_ERROR_KIND = 'other';

/** Event loop delay is sampled this often (ms); the p99 gauge covers the time since the previous scrape. */
const EVENT_LOOP_RESOLUTION_MS = 10;

/** Where the metrics read what is not reported to them. */
export interface MetricsSources {
  /** Estimated dollars of the usage rows this process wrote since start-up, all guilds together. */
  spentUsd?: () => number;
}

/** Creates a registry of its own; counters of known kinds start at 0 so rates work from the first scrape. */
export function createMetrics(sources: MetricsSources = {}): Metrics {
  const registers = [new Registry()];
  collectDefaultMetrics({ register: registers[0]!, eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
  const turnsStarted = new Counter({ name: 'parley_turns_started_total', help: 'Turns (answers) started, by kind.', labelNames: ['kind'], registers });
  const turnsFinished = new Counter({ name: 'parley_turns_finished_total', help: 'Turns finished, by kind and status.', labelNames: ['kind', 'status'], registers });
  const errors = new Counter({ name: 'parley_errors_total', help: `Failures by kind (at most ${MAX_ERROR_KINDS} kinds; later ones count as "other").`, labelNames: ['kind'], registers });
  const buckets = [...LATENCY_BUCKETS_S];
  const endOfTurn = new Histogram({ name: 'parley_end_of_turn_seconds', help: "From a member's last speech to the request sent to OpenAI.", buckets, registers });
  const firstAudio = new Histogram({ name: 'parley_first_audio_seconds', help: 'From the request sent to OpenAI to the first answer packet played.', buckets, registers });
  const speculative = new Counter({
    name: 'parley_speculative_requests_total',
    help: 'Speculative answer requests, by outcome: used or wasted.',
    labelNames: ['outcome'],
    registers,
  });
  speculative.inc({ outcome: 'used' }, 0);
  speculative.inc({ outcome: 'wasted' }, 0);
  let spendCounted = 0;
  new Counter({
    name: 'parley_spend_usd_total',
    help: 'Estimated OpenAI spend in US dollars, all guilds together.',
    registers,
    collect() {
      // Brought up to the recorded total at each scrape; a store that cannot answer (closed) changes nothing.
      try {
        const delta = (sources.spentUsd?.() ?? spendCounted) - spendCounted;
        if (Number.isFinite(delta) && delta > 0) {
          this.inc(delta);
          spendCounted += delta;
        }
      } catch {
        // Metrics never throw; the next scrape reads again.
      }
    },
  });
  new Gauge({
    name: 'parley_uptime_seconds',
    help: 'Seconds since the process started (sharded: the longest-running process).',
    registers,
    aggregator: 'max',
    collect() {
      this.set(Math.round(process.uptime()));
    },
  });
  for (const kind of TURN_KINDS) {
    turnsStarted.inc({ kind }, 0);
    for (const status of TURN_STATUSES) turnsFinished.inc({ kind, status }, 0);
  }

  const knownErrorKinds = new Set<string>();
  const errorKind = (raw: string): string => {
    const kind = (String(raw).trim() || 'unknown').slice(0, MAX_ERROR_KIND_LENGTH);
    if (knownErrorKinds.has(kind)) return kind;
    if (knownErrorKinds.size >= MAX_ERROR_KINDS) return OTHER_ERROR_KIND;
    knownErrorKinds.add(kind);
    return kind;
  };
  const seconds = (ms: number): number | undefined => (Number.isFinite(ms) && ms >= 0 ? ms / 1_000 : undefined);

  return {
    turnStarted: (kind) => turnsStarted.inc({ kind }),
    turnFinished: (kind, status) => turnsFinished.inc({ kind, status }),
    error: (kind) => errors.inc({ kind: errorKind(kind) }),
    endOfTurnMs: (ms) => {
      const s = seconds(ms);
      if (s !== undefined) endOfTurn.observe(s);
    },
    firstAudioMs: (ms) => {
      const s = seconds(ms);
      if (s !== undefined) firstAudio.observe(s);
    },
    speculativeStart: (outcome) => speculative.inc({ outcome }),
    render: () => registers[0]!.metrics(),
    snapshot: () => registers[0]!.getMetricsAsJSON() as Promise<MetricsSnapshot>,
  };
}

/**
 * One exposition for several processes (the shards and the manager): counters and histograms add up,
 * gauges follow their aggregator (memory sums, event loop lag averages, uptime takes the maximum).
 */
export async function aggregateMetrics(snapshots: MetricsSnapshot[]): Promise<string> {
  return AggregatorRegistry.aggregate(snapshots).metrics();
}
