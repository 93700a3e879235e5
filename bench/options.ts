/** Command-line options of `npm run bench` and the sample counts and durations they imply. */

/** How much each part of the benchmark measures; `--quick` trades samples for a run under a minute. */
export interface BenchOptions {
  quick: boolean;
  /** /talk utterances timed from the last speech packet to the model request. */
  voiceTurnSamples: number;
  /** /ask questions (steady state, the bot already in voice). */
  askSamples: number;
  /** 10 s answers per mode (streamed, buffered). */
  streamingSamples: number;
  /** Guild counts for the load test, run one after the other on a fresh bot each. */
  loadGuildCounts: number[];
  /** Measured part of each load level (after the ramp-up). */
  loadWindowMs: number;
  /** Conversations start spread over this time before the measured window opens. */
  loadRampMs: number;
  /** Profiled window after the measured one (splits the CPU between bot and fakes). */
  loadProfileMs: number;
  /** Seconds of audio pushed through each audio path in the cost measurement. */
  audioPathSeconds: number;
  /** Whole-run watchdog: past it, the figures so far are written and the process exits. */
  hardLimitMs: number;
  /** Where the JSON goes (relative to the project root). */
  outFile: string;
}

const FULL: Omit<BenchOptions, 'outFile'> = {
  quick: false,
  voiceTurnSamples: 12,
  askSamples: 40,
  streamingSamples: 3,
  loadGuildCounts: [10, 30, 50, 100, 150],
  loadWindowMs: 15_000,
  loadRampMs: 3_000,
  loadProfileMs: 6_000,
  audioPathSeconds: 60,
  hardLimitMs: 720_000,
};

const QUICK: Omit<BenchOptions, 'outFile'> = {
  quick: true,
  voiceTurnSamples: 4,
  askSamples: 12,
  streamingSamples: 1,
  loadGuildCounts: [10],
  loadWindowMs: 8_000,
  loadRampMs: 2_000,
  loadProfileMs: 3_000,
  audioPathSeconds: 10,
  hardLimitMs: 240_000,
};

export const DEFAULT_OUT_FILE = 'bench-results/latest.json';

export const USAGE = `Usage: npm run bench -- [--quick] [--guilds 10,50,100] [--out FILE]
  --quick     fewer samples and only 10 guilds under load (about three minutes)
              (the full run loads 10, 30, 50, 100 and 150 guilds and times speculative answers, about nine minutes)
  --guilds    guild counts for the load test (comma-separated)
  --out       JSON output path (default ${DEFAULT_OUT_FILE})`;

/** Parses `process.argv.slice(2)`; throws with the usage text on anything unknown. */
export function parseOptions(args: readonly string[]): BenchOptions {
  const quick = args.includes('--quick');
  const options: BenchOptions = { ...(quick ? QUICK : FULL), outFile: DEFAULT_OUT_FILE };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--quick') continue;
    if (arg === '--guilds' || arg === '--out') {
      const value = args[++i];
      if (value === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      if (arg === '--out') options.outFile = value;
      else options.loadGuildCounts = parseGuildCounts(value);
      continue;
    }
    throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return options;
}

function parseGuildCounts(text: string): number[] {
  const counts = text.split(',').map((part) => Number(part.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 500)) {
    throw new Error(`--guilds takes whole numbers from 1 to 500, e.g. 10,50,100\n${USAGE}`);
  }
  return counts;
}
