/**
 * Parley's in-process metrics, rendered for a Prometheus scrape of `GET /metrics`. The core reports
 * turns, errors and latencies through {@link Metrics}; spend and process gauges are read at scrape time
 * (spend from the usage records that /usage and the budget read, so the three never disagree).
 *
 * Cardinality is bounded on purpose: turn kinds and statuses are fixed lists, error kinds are capped
 * (see {@link MAX_ERROR_KINDS}) and spend has no guild label at all, because a bot can sit in any
 * number of guilds and each label value is a new time series kept by Prometheus for weeks. Per-guild
 * spend lives in the database (the usage table) where budgets read it.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Histogram, renderGauge } from './exposition.ts';

export type TurnKind = 'ask' | 'talk' | 'announce';
export type TurnStatus = 'complete' | 'interrupted' | 'failed';

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
  render(): string;
}

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

/** Event loop delay is sampled this often (ms); the p99 covers the time since the previous scrape. */
const EVENT_LOOP_RESOLUTION_MS = 10;
const NS_PER_S = 1e9;

/** Where the metrics read what is not reported to them. */
export interface MetricsSources {
  /** Estimated dollars recorded since start-up, all guilds together (the store's usage rows). */
  spentUsd?: () => number;
}

/** Creates an empty registry; counters of known kinds start at 0 so rates work from the first scrape. */
export function createMetrics(sources: MetricsSources = {}): Metrics {
  const turnsStarted = new Counter('parley_turns_started_total', 'Turns (answers) started, by kind.', ['kind']);
  const turnsFinished = new Counter('parley_turns_finished_total', 'Turns finished, by kind and status.', ['kind', 'status']);
  const errors = new Counter('parley_errors_total', `Failures by kind (at most ${MAX_ERROR_KINDS} kinds; later ones count as "other").`, ['kind']);
  const endOfTurn = new Histogram('parley_end_of_turn_seconds', "From a member's last speech to the request sent to OpenAI.", LATENCY_BUCKETS_S);
  const firstAudio = new Histogram('parley_first_audio_seconds', 'From the request sent to OpenAI to the first answer packet played.', LATENCY_BUCKETS_S);
  const speculative = new Counter('parley_speculative_requests_total', 'Speculative answer requests, by outcome: used or wasted.', ['outcome']);
  speculative.init({ outcome: 'used' });
  speculative.init({ outcome: 'wasted' });
  const spend = new Counter('parley_spend_usd_total', 'Estimated OpenAI spend in US dollars, all guilds together.');
  for (const kind of TURN_KINDS) {
    turnsStarted.init({ kind });
    for (const status of TURN_STATUSES) turnsFinished.init({ kind, status });
  }
  spend.init();

  const loopDelay = startEventLoopMonitor();
  let lastLagP99S = 0;
  const knownErrorKinds = new Set<string>();

  const errorKind = (raw: string): string => {
    const kind = (String(raw).trim() || 'unknown').slice(0, MAX_ERROR_KIND_LENGTH);
    if (knownErrorKinds.has(kind)) return kind;
    if (knownErrorKinds.size >= MAX_ERROR_KINDS) return OTHER_ERROR_KIND;
    knownErrorKinds.add(kind);
    return kind;
  };

  return {
    turnStarted: (kind) => turnsStarted.inc({ kind }),
    turnFinished: (kind, status) => turnsFinished.inc({ kind, status }),
    error: (kind) => errors.inc({ kind: errorKind(kind) }),
    endOfTurnMs: (ms) => endOfTurn.observe(ms / 1_000),
    firstAudioMs: (ms) => firstAudio.observe(ms / 1_000),
    speculativeStart: (outcome) => speculative.inc({ outcome }),
    render() {
      readSpend(spend, sources.spentUsd);
      // A scrape that follows the previous one within one sample interval keeps the last figure.
      if (loopDelay && loopDelay.count > 0) {
        lastLagP99S = loopDelay.percentile(99) / NS_PER_S;
        loopDelay.reset();
      }
      const lines = [
        ...turnsStarted.render(),
        ...turnsFinished.render(),
        ...errors.render(),
        ...endOfTurn.render(),
        ...firstAudio.render(),
        ...speculative.render(),
        ...spend.render(),
        ...renderGauge('process_resident_memory_bytes', 'Resident memory size in bytes.', process.memoryUsage.rss()),
        ...renderGauge('parley_uptime_seconds', 'Seconds since the process started.', Math.round(process.uptime())),
        ...renderGauge('nodejs_eventloop_lag_p99_seconds', 'Event loop delay, 99th percentile since the previous scrape.', lastLagP99S),
      ];
      return lines.join('\n') + '\n';
    },
  };
}

/** Brings the spend counter up to the recorded total; a store that cannot answer (closed) changes nothing. */
function readSpend(spend: Counter, spentUsd: (() => number) | undefined): void {
  if (!spentUsd) return;
  try {
    spend.inc({}, spentUsd() - spend.get());
  } catch {
    // Metrics never throw; the next scrape reads again.
  }
}

/** The delay histogram; its libuv timer is unreferenced, so it never keeps the process alive. */
function startEventLoopMonitor(): IntervalHistogram | undefined {
  try {
    const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    histogram.enable();
    return histogram;
  } catch {
    // Metrics must never stop the bot; without the monitor the gauge stays 0.
    return undefined;
  }
}
