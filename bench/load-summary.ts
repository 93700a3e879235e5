/** The figures of one load level, computed from what the guilds and the profiler recorded. */
import { FRAME_MS } from '../src/audio/format.ts';
import { attributeProfile, type CpuAttribution, type CpuProfile } from './cpu-profile.ts';
import type { LoadGuild } from './load-guild.ts';
import { percentile, summarize, type Summary } from './stats.ts';

/** Late packets closer than this to each other (any guild) belong to one burst. */
const LATE_BURST_MS = 100;
const MB = 1024 * 1024;

/** Everything measured at one guild count. */
export interface LoadLevelResult {
  guilds: number;
  /** Guilds whose /talk start succeeded and that took part. */
  activeGuilds: number;
  windowS: number;
  answerPackets: number;
  gapsCounted: number;
  latePackets: number;
  lateShare: number;
  /** Late packets grouped when within 100 ms of each other, across guilds: few large bursts = process stalls. */
  lateBursts: number;
  gapP99Ms: number;
  gapMaxMs: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Seconds of answer audio that reached the voice server inside the window (all guilds). */
  audioS: number;
  /** user + system CPU of the bot's process (every thread) inside the window. */
  botCpuS: number;
  botCpuPerAudioS: number;
  /** Cores the bot's main thread and its other threads (codec threads, libuv, V8 helpers) kept busy. */
  botMainCores: number;
  botOtherThreadsCores: number;
  /** Cores the fakes and the members' driver (this process) kept busy. */
  driverCores: number;
  /** Cores other programs on the machine kept busy meanwhile (they delay packets too). */
  otherProcessesCores: number;
  /** Where the bot's main thread spent the profiled window. */
  profile: CpuAttribution | undefined;
  /** The bot's resident memory: idle (logged in, no guilds), with every conversation set up, peak. */
  rssIdleMb: number;
  rssStartMb: number;
  rssPeakMb: number;
  /** (peak - idle) / active conversations. */
  rssPerConversationMb: number;
  turns: number;
  timeouts: number;
  voiceTurnMs: Summary;
  outputLatencyMs: Summary;
  errors: string[];
}

/** What a load level recorded, before it is summarized. */
export interface LevelInputs {
  guilds: number;
  projectRoot: string;
  active: LoadGuild[];
  gaps: number[];
  windowMs: number;
  botCpu: { mainS: number; otherS: number };
  driverCpuS: number;
  profile: CpuProfile | undefined;
  memory: { rssIdle: number; rssStart: number; rssPeak: number };
  window: [number, number];
  loopDelayMs: [number, number];
  otherCores: number;
  errors: string[];
}

export function summarizeLevel(inputs: LevelInputs): LoadLevelResult {
  const { active, gaps, windowMs, memory, errors } = inputs;
  const sum = (pick: (g: LoadGuild) => number): number => active.reduce((total, g) => total + pick(g), 0);
  const answerPackets = sum((g) => g.tracker.speechPackets);
  const gapsCounted = sum((g) => g.tracker.intervals);
  const latePackets = sum((g) => g.tracker.late);
  const audioS = (answerPackets * FRAME_MS) / 1_000;
  const botCpuS = inputs.botCpu.mainS + inputs.botCpu.otherS;
  const windowS = windowMs / 1_000;
  const profile = inputs.profile ? attributeProfile(inputs.profile, inputs.projectRoot) : undefined;
  const [from, to] = inputs.window;
  const turns = active.flatMap((g) => g.turns).filter((t) => t.at >= from && t.at <= to);
  for (const guild of active) errors.push(...guild.errors.map((e) => `guild ${guild.index}: ${e}`));
  return {
    guilds: inputs.guilds,
    activeGuilds: active.length,
    windowS: windowMs / 1_000,
    answerPackets,
    gapsCounted,
    latePackets,
    lateShare: gapsCounted > 0 ? latePackets / gapsCounted : NaN,
    lateBursts: countBursts(active.flatMap((g) => g.tracker.lateAt)),
    gapP99Ms: percentile(gaps, 99),
    gapMaxMs: gaps.length > 0 ? gaps.reduce((a, b) => Math.max(a, b)) : NaN,
    eventLoopDelayP99Ms: inputs.loopDelayMs[0],
    eventLoopDelayMaxMs: inputs.loopDelayMs[1],
    audioS,
    botCpuS,
    botCpuPerAudioS: audioS > 0 ? botCpuS / audioS : NaN,
    botMainCores: inputs.botCpu.mainS / windowS,
    botOtherThreadsCores: inputs.botCpu.otherS / windowS,
    driverCores: inputs.driverCpuS / windowS,
    otherProcessesCores: inputs.otherCores,
    profile,
    rssIdleMb: memory.rssIdle / MB,
    rssStartMb: memory.rssStart / MB,
    rssPeakMb: memory.rssPeak / MB,
    rssPerConversationMb: active.length > 0 ? (memory.rssPeak - memory.rssIdle) / MB / active.length : NaN,
    turns: turns.length,
    timeouts: sum((g) => g.timeouts),
    voiceTurnMs: summarize(turns.map((t) => t.voiceTurnMs)),
    outputLatencyMs: summarize(turns.map((t) => t.outputLatencyMs)),
    errors: errors.slice(0, 10),
  };
}

function countBursts(times: number[]): number {
  let bursts = 0;
  let last = -Infinity;
  for (const at of [...times].sort((a, b) => a - b)) {
    if (at - last > LATE_BURST_MS) bursts++;
    last = at;
  }
  return bursts;
}
