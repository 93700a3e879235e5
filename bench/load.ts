/**
 * N guilds in voice conversations at once on one bot: late answer packets, CPU per second of answer
 * audio (whole process, and the bot's share from a CPU profile), resident memory.
 *
 * The measured window runs without the profiler (it interrupts the main thread every sample and would
 * add lateness); a CPU profile of a second, shorter window then splits the cost between bot and fakes.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { DISCORD_CHANNELS, DISCORD_PCM_RATE } from '../src/audio/format.ts';
import { seededRandom, speechLike } from '../test/support/signals.ts';
import { startTestBed, type TestBed } from '../test/support/test-bed.ts';
import { InProcessProfiler, type CpuProfile } from './cpu-profile.ts';
import { otherProcessesCores, readCpu } from './machine-load.ts';
import { addLoadGuild, converse, drainCapture, startTalking, type ConversationAudio, type LoadGuild } from './load-guild.ts';
import { answerAudio24kMono } from './scripted-model.ts';
import { summarizeLevel, type LoadLevelResult } from './load-summary.ts';
import { sleep, withTimeout } from './timing.ts';

/** How one load level runs. */
export interface LoadLevelPlan {
  guilds: number;
  /** Conversations start spread over this time before the measured window opens. */
  rampMs: number;
  windowMs: number;
  /** The profiled window after the measured one. */
  profileMs: number;
  projectRoot: string;
  /** Where to save the raw profile (.cpuprofile, opens in Chrome DevTools), if anywhere. */
  profileFile?: string;
}

const UTTERANCE_MS = 800;
const ANSWER_MS = 4_000;
/** /talk starts run this many at a time (a real bot does not get 100 at once either). */
const TALK_START_BATCH = 10;
const THINK_MIN_MS = 200;
const THINK_SPREAD_MS = 600;
const SAMPLE_EVERY_MS = 250;
/** What the fakes recorded is dropped after this long, so memory shows the bot, not the recordings. */
const KEEP_RECORDS_MS = 10_000;

let sharedAudio: ConversationAudio | undefined;
function conversationAudio(): ConversationAudio {
  sharedAudio ??= {
    utterance48kStereo: speechLike(UTTERANCE_MS, DISCORD_PCM_RATE, 501, DISCORD_CHANNELS),
    answer24kMono: answerAudio24kMono(ANSWER_MS, 502),
  };
  return sharedAudio;
}

/** Runs `plan.guilds` conversations on a fresh test bed: ramp up, measure, profile, tear down. */
export async function runLoadLevel(plan: LoadLevelPlan): Promise<LoadLevelResult> {
  const errors: string[] = [];
  const bed = await withTimeout(startTestBed(), 30_000, 'the test bed to start');
  let stopped = false;
  const loops: Promise<void>[] = [];
  const memory = { rssStart: 0, rssPeak: 0, heapPeak: 0 };
  const housekeeping = setInterval(() => {
    const usage = process.memoryUsage();
    memory.rssPeak = Math.max(memory.rssPeak, usage.rss);
    memory.heapPeak = Math.max(memory.heapPeak, usage.heapUsed);
    forgetOldRecords(bed);
  }, SAMPLE_EVERY_MS);
  try {
    const gaps: number[] = [];
    const active = await startConversations(bed, plan.guilds, gaps, errors);
    memory.rssStart = process.memoryUsage().rss;
    const random = seededRandom(plan.guilds);
    const audio = conversationAudio();
    for (const guild of active) {
      const firstDelay = random() * plan.rampMs;
      const thinkMs = (): number => (guild.turns.length === 0 && guild.timeouts === 0 ? firstDelay : 0) + THINK_MIN_MS + random() * THINK_SPREAD_MS;
      loops.push(converse(bed, guild, audio, () => stopped, thinkMs));
    }
    await sleep(plan.rampMs);

    const windowFrom = performance.now();
    for (const guild of active) guild.tracker.setWindow(windowFrom, windowFrom + plan.windowMs);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const cpuBefore = process.cpuUsage();
    const machineBefore = readCpu();
    await sleep(plan.windowMs);
    const cpu = process.cpuUsage(cpuBefore);
    const otherCores = otherProcessesCores(machineBefore);
    loopDelay.disable();
    const windowTo = performance.now();

    const profile = await profileFor(plan, errors);
    stopped = true;
    for (const guild of active) drainCapture(bed, guild);
    return summarizeLevel({
      guilds: plan.guilds,
      projectRoot: plan.projectRoot,
      active,
      gaps,
      windowMs: windowTo - windowFrom,
      cpuUs: cpu.user + cpu.system,
      profile,
      memory,
      window: [windowFrom, windowTo],
      loopDelayMs: [loopDelay.percentile(99) / 1e6, loopDelay.max / 1e6],
      otherCores,
      errors,
    });
  } finally {
    stopped = true;
    clearInterval(housekeeping);
    await withTimeout(bed.close(), 20_000, 'the test bed to close').catch((err: unknown) => errors.push(String(err)));
    await withTimeout(Promise.allSettled(loops), 10_000, 'the conversations to end').catch(() => undefined);
  }
}

/** Adds the guilds, then /talk start in batches; returns the guilds where that worked. */
async function startConversations(bed: TestBed, count: number, gaps: number[], errors: string[]): Promise<LoadGuild[]> {
  const guilds: LoadGuild[] = [];
  for (let i = 0; i < count; i++) guilds.push(await addLoadGuild(bed, i, gaps));
  const active: LoadGuild[] = [];
  for (let i = 0; i < guilds.length; i += TALK_START_BATCH) {
    const batch = guilds.slice(i, i + TALK_START_BATCH);
    const started = await Promise.allSettled(batch.map((g) => startTalking(bed, g)));
    started.forEach((outcome, j) => {
      if (outcome.status === 'fulfilled') active.push(batch[j]!);
      else errors.push(`guild ${batch[j]!.index}: /talk start failed: ${String(outcome.reason)}`);
    });
  }
  return active;
}

async function profileFor(plan: LoadLevelPlan, errors: string[]): Promise<CpuProfile | undefined> {
  const profiler = new InProcessProfiler();
  try {
    await profiler.start();
    await sleep(plan.profileMs);
    const profile = await profiler.stop();
    if (plan.profileFile) writeFileSync(plan.profileFile, JSON.stringify(profile));
    return profile;
  } catch (err) {
    errors.push(`profile: ${String(err)}`);
    return undefined;
  }
}

/** Drops the fakes' old request records and the bot's collected log lines (kept forever by the test bed). */
function forgetOldRecords(bed: TestBed): void {
  const cutoff = performance.now() - KEEP_RECORDS_MS;
  const requests = bed.openai.requests;
  let old = 0;
  while (old < requests.length && requests[old]!.at < cutoff && requests[old]!.endedAt !== undefined) old++;
  if (old > 0) requests.splice(0, old);
  bed.logs.length = 0;
}
