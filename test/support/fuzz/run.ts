/**
 * Drives a fuzz run: `count` random interactions, at most `concurrency` waiting for their first
 * callback at a time, with members moving in and out of voice in between; then waits until every
 * interaction is settled (answered, refused, or past its ack deadline) and the bot is idle.
 */
import type { FakeDiscord, InteractionRecord } from '../../harness/discord/index.ts';
import type { Bot } from '../../../src/bot.ts';
import { fuzzInteraction, type FuzzInteraction } from './interactions.ts';
import { isSettled, judge, type Judged } from './outcomes.ts';
import type { Random } from './random.ts';
import { moveSomeone, type FuzzWorlds } from './world.ts';

export interface FuzzRunOptions {
  count: number;
  concurrency: number;
  /** The fake's interaction ack deadline (Discord: 3 s). */
  ackDeadlineMs: number;
  /** How long to wait, after the last interaction was sent, for deferred ones to be edited. */
  settleTimeoutMs: number;
}

export interface FuzzRunResult {
  judged: Judged[];
  /** From the first interaction to the last one settled and the bot idle. */
  elapsedMs: number;
  /** From the first interaction to the last one acknowledged (the rest is waiting for answers). */
  sendPhaseMs: number;
  /** Interactions the fake could not even build (a bug in the fuzzer's world, not in the bot). */
  notSent: { label: string; error: string }[];
}

const POLL_MS = 50;

/** Runs the fuzz; never throws for what the bot does (the caller asserts on the result). */
export async function runFuzz(discord: FakeDiscord, bot: () => Bot, random: Random, worlds: FuzzWorlds, options: FuzzRunOptions): Promise<FuzzRunResult> {
  const started = performance.now();
  const sent: { label: string; record: InteractionRecord }[] = [];
  const notSent: FuzzRunResult['notSent'] = [];
  let nextIndex = 0;

  // Each step draws from the one random stream in order, so step i is the same whichever worker runs it.
  const step = (): { label: string; record: InteractionRecord } | undefined => {
    if (random.chance(0.12)) moveSomeone(discord, random, random.pick(worlds.stages));
    const world = random.pick(worlds.worlds);
    const interaction = fuzzInteraction(random, world);
    // Commands in the stale-registration server are marked with "~".
    const label = (world === worlds.worlds[0] ? '' : '~') + labelOf(interaction);
    try {
      const record = interaction.kind === 'slash' ? discord.sendSlashCommand(interaction.request) : discord.sendMessageCommand(interaction.request);
      return { label, record };
    } catch (err) {
      notSent.push({ label, error: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
  };
  const worker = async (): Promise<void> => {
    while (nextIndex < options.count) {
      nextIndex++;
      const one = step();
      if (!one) continue;
      sent.push(one);
      await one.record.waitForReply(options.ackDeadlineMs + 1_000).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const sendPhaseMs = performance.now() - started;

  const deadline = performance.now() + options.settleTimeoutMs;
  const idle = () => {
    const { ctx } = bot();
    return !ctx.turns.busy && worlds.stages.every((stage) => !ctx.voice.get(stage.guild.id)?.pacer.busy);
  };
  while (performance.now() < deadline) {
    if (sent.every((s) => isSettled(s.record, options.ackDeadlineMs)) && idle()) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return { judged: sent.map((s) => judge(s.label, s.record)), elapsedMs: performance.now() - started, sendPhaseMs, notSent };
}

function labelOf(interaction: FuzzInteraction): string {
  if (interaction.kind === 'message') return `msg:${interaction.request.name}`.slice(0, 18);
  const { name, subcommand } = interaction.request;
  return `/${name}${subcommand !== undefined ? ' ' + subcommand : ''}`.slice(0, 18);
}
