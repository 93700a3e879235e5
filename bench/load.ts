/**
 * N guilds in voice conversations at once on one bot: late answer packets, the bot's CPU per second of
 * answer audio, its resident memory. The bot runs alone in its own process (as `npm start` runs it);
 * the fakes and the members' driver run here, so the bot's CPU and memory are its own.
 *
 * The measured window runs without the profiler (it interrupts the main thread every sample and would
 * add lateness); a CPU profile of the bot's main thread over a second, shorter window shows where it goes.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { DISCORD_CHANNELS, DISCORD_PCM_RATE } from '../src/audio/format.ts';
import { FakeDiscord, trustFakeDiscordCertificate } from '../test/harness/discord/index.ts';
import { FakeOpenAI } from '../test/harness/openai/index.ts';
import { seededRandom, speechLike } from '../test/support/signals.ts';
import { BotChild } from './bot-child.ts';
import type { CpuProfile } from './cpu-profile.ts';
import { otherProcessesCores, readCpu } from './machine-load.ts';
import { addLoadGuild, converse, drainCapture, startTalking, type ConversationAudio, type LoadBed, type LoadGuild } from './load-guild.ts';
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
  const bed: LoadBed = { discord: await FakeDiscord.start(), openai: await FakeOpenAI.start() };
  trustFakeDiscordCertificate(bed.discord.caCertPem);
  let bot: BotChild | undefined;
  let stopped = false;
  const loops: Promise<void>[] = [];
  const memory = { rssIdle: 0, rssStart: 0, rssPeak: 0 };
  const housekeeping = setInterval(() => {
    memory.rssPeak = Math.max(memory.rssPeak, bot?.rss() ?? 0);
    forgetOldRecords(bed);
    bot?.forgetLogs();
  }, SAMPLE_EVERY_MS);
  try {
    bot = await withTimeout(BotChild.start(bed.discord, bed.openai), 30_000, 'the bot to start');
    memory.rssIdle = bot.rss();
    const gaps: number[] = [];
    const active = await startConversations(bed, plan.guilds, gaps, errors);
    memory.rssStart = bot.rss();
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
    const cpuBefore = bot.cpu();
    const driverBefore = process.cpuUsage();
    const machineBefore = readCpu();
    await sleep(plan.windowMs);
    const cpuAfter = bot.cpu();
    const driver = process.cpuUsage(driverBefore);
    // Everything but this process: the bot's own share is taken out below.
    const otherCores = otherProcessesCores(machineBefore);
    loopDelay.disable();
    const windowTo = performance.now();

    const profile = await profileFor(bot, plan, errors);
    stopped = true;
    for (const guild of active) drainCapture(bed, guild);
    const botCpu = { mainS: cpuAfter.mainS - cpuBefore.mainS, otherS: cpuAfter.otherS - cpuBefore.otherS };
    const windowS = (windowTo - windowFrom) / 1_000;
    return summarizeLevel({
      guilds: plan.guilds,
      projectRoot: plan.projectRoot,
      active,
      gaps,
      windowMs: windowTo - windowFrom,
      botCpu,
      driverCpuS: (driver.user + driver.system) / 1e6,
      profile,
      memory,
      window: [windowFrom, windowTo],
      loopDelayMs: [loopDelay.percentile(99) / 1e6, loopDelay.max / 1e6],
      otherCores: Math.max(0, otherCores - (botCpu.mainS + botCpu.otherS) / windowS),
      errors,
    });
  } finally {
    stopped = true;
    clearInterval(housekeeping);
    const close = async (): Promise<void> => {
      await bot?.stop();
      await bed.openai.stop();
      await bed.discord.stop();
    };
    await withTimeout(close(), 20_000, 'the bot and the fakes to stop').catch((err: unknown) => errors.push(String(err)));
    await withTimeout(Promise.allSettled(loops), 10_000, 'the conversations to end').catch(() => undefined);
  }
}

/** Adds the guilds, then /talk start in batches; returns the guilds where that worked. */
async function startConversations(bed: LoadBed, count: number, gaps: number[], errors: string[]): Promise<LoadGuild[]> {
  const guilds: LoadGuild[] = [];
  for (let i = 0; i < count; i++) guilds.push(addLoadGuild(bed, i, gaps));
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

async function profileFor(bot: BotChild, plan: LoadLevelPlan, errors: string[]): Promise<CpuProfile | undefined> {
  try {
    const profile = await bot.profile(plan.profileMs);
    if (plan.profileFile) writeFileSync(plan.profileFile, JSON.stringify(profile));
    return profile;
  } catch (err) {
    errors.push(`profile: ${String(err)}`);
    return undefined;
  }
}

/** Drops the fakes' old request records (kept forever otherwise). */
function forgetOldRecords(bed: LoadBed): void {
  const cutoff = performance.now() - KEEP_RECORDS_MS;
  const requests = bed.openai.requests;
  let old = 0;
  while (old < requests.length && requests[old]!.at < cutoff && requests[old]!.endedAt !== undefined) old++;
  if (old > 0) requests.splice(0, old);
}
