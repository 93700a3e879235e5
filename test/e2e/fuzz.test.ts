/**
 * Abuse resistance: thousands of random interactions against the real bot on the loopback test bed
 * (every registered command, hostile text, wrong option types, unknown subcommands and options through a
 * stale registration, channels of every kind, random bytes as attachments, members moving in and out of
 * voice, OpenAI faults). Every interaction must be answered or refused, and the bot must come out of it
 * healthy. `PARLEY_FUZZ_SEED` and `PARLEY_FUZZ_COUNT` repeat or widen a run.
 *
 * Bugs found so far are pinned in drills-fuzz-findings.test.ts and tolerated here by their logged cause
 * (support/fuzz/known-bugs.ts); anything else fails this file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoiceConnectionStatus } from '@discordjs/voice';
import { countKnownBugs, knownBugOf, loggedCauses } from '../support/fuzz/known-bugs.ts';
import { scriptFuzzAnswers } from '../support/fuzz/openai-scripts.ts';
import { summarize } from '../support/fuzz/outcomes.ts';
import { fuzzSeed, Random } from '../support/fuzz/random.ts';
import { runFuzz, type FuzzRunResult } from '../support/fuzz/run.ts';
import { buildWorlds, type FuzzWorlds } from '../support/fuzz/world.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

const COUNT = Number(process.env['PARLEY_FUZZ_COUNT']) || 3_000;
/** Interactions waiting for their first callback at once. */
const CONCURRENCY = 20;
const ACK_DEADLINE_MS = 3_000;
const MAX_ATTACHMENT_MB = 1;
/**
 * After the last interaction: joins queue behind each other and behind discord.js's gateway send limit
 * (115 payloads a minute, each join or leave is one), so the last deferred replies can take a while.
 */
const SETTLE_TIMEOUT_MS = 60_000;

describe('fuzz: random interactions against the whole bot', () => {
  let bed: TestBed;
  let worlds: FuzzWorlds;
  let result: FuzzRunResult;
  let causes: Map<string, string>;
  const processFaults: string[] = [];
  const onRejection = (reason: unknown) => processFaults.push(`unhandledRejection: ${describeFault(reason)}`);
  const onException = (err: unknown) => processFaults.push(`uncaughtException: ${describeFault(err)}`);

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
    const seed = fuzzSeed();
    console.log(`fuzz: seed ${seed} (repeat with PARLEY_FUZZ_SEED=${seed})`);
    const random = new Random(seed);
    bed = await startTestBed({ PARLEY_STREAM_STALL_MS: '1500', PARLEY_AUDIO_MAX_MB: String(MAX_ATTACHMENT_MB), PARLEY_AUDIO_MAX_SECONDS: '20' });
    worlds = await buildWorlds(bed, random, MAX_ATTACHMENT_MB * 1_000_000);
    scriptFuzzAnswers(bed.openai, random, COUNT);
    result = await runFuzz(bed.discord, () => bed.bot, random, worlds, {
      count: COUNT,
      concurrency: CONCURRENCY,
      ackDeadlineMs: ACK_DEADLINE_MS,
      settleTimeoutMs: SETTLE_TIMEOUT_MS,
    });
    causes = loggedCauses(bed.logs);
    const { counts, top, ackMs } = summarize(result.judged);
    console.log(
      `fuzz: ${result.judged.length} interactions: ${counts.answered} answered, ${counts.refused} refused, ` +
        `${counts.error} generic errors, ${counts.unanswered} unanswered in ${(result.elapsedMs / 1000).toFixed(0)} s ` +
        `(all acknowledged after ${(result.sendPhaseMs / 1000).toFixed(0)} s; ack p50 ${ackMs.p50} ms, p95 ${ackMs.p95} ms, max ${ackMs.max} ms)`,
    );
    console.log(`fuzz: explained by known bugs: ${countKnownBugs(result.judged, causes)}`);
    console.log(`fuzz: most frequent outcomes (count, outcome, command, reply; ~ = stale registration):\n${top.slice(0, 30).join('\n')}`);
    console.log(`fuzz: logged causes of generic replies:\n${distinctCauses(causes).join('\n') || '  none'}`);
    console.log(`fuzz: warnings and errors the bot logged:\n${loggedProblems(bed.logs).join('\n') || '  none'}`);
  }, 60_000 + SETTLE_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    await bed?.close();
  });

  it('sends every interaction it builds', () => {
    expect(result.notSent).toEqual([]);
    expect(result.judged.length).toBe(COUNT);
  });

  it('answers or refuses every interaction: a callback within the ack deadline, a deferred reply always edited', () => {
    const unanswered = result.judged.filter((j) => j.outcome === 'unanswered' && !knownBugOf(j, causes));
    expect(unanswered.map((j) => `${j.label}: ${j.gist}`)).toEqual([]);
  });

  it('answers no interaction with the generic failure, except for the known bugs', () => {
    const unexplained = result.judged.filter((j) => j.outcome === 'error' && !knownBugOf(j, causes));
    expect(unexplained.map((j) => `${j.label}: ${causes.get(j.record.id) ?? '(no "command failed" log line)'}`)).toEqual([]);
  });

  it('leaves no voice session stuck and no turn pending', async () => {
    const { ctx } = bed.bot;
    const stuck = () =>
      worlds.stages
        .map((stage) => ctx.voice.get(stage.guild.id))
        .filter((session) => session !== undefined && session.connection.state.status !== VoiceConnectionStatus.Ready)
        .map((session) => `${session!.guildId}: ${session!.connection.state.status}`);
    await expect.poll(stuck, { timeout: 25_000 }).toEqual([]);
    await expect.poll(() => ctx.turns.busy, { timeout: 25_000 }).toBe(false);
    // Announcements the fuzz queued play to their end (a busy bot is not moved by a member, by design).
    await expect.poll(() => [...ctx.voice.all].some((session) => session.pacer.busy), { timeout: 25_000 }).toBe(false);
  }, 60_000);

  it('keeps running: a final /join and /leave are answered correctly', async () => {
    const { discord, ids } = bed;
    const started = performance.now();
    discord.setVoiceState(ids.guild, ids.alice, ids.voice);
    // The fuzz has used up discord.js's gateway send budget (115 a minute; a join is one): the join's
    // voice request can wait past the bot's 20 s connect timeout, and the member is told to try again.
    const replies: string[] = [];
    for (let attempt = 0; attempt < 3 && !/Joined Lounge|already in Lounge/.test(replies.at(-1) ?? ''); attempt++) {
      const join = discord.sendSlashCommand({ guildId: ids.guild, channelId: ids.text, userId: ids.alice, name: 'join' });
      await join.waitFor((r) => r.kind === 'edit' || (r.kind === 'callback' && r.type === 4), 30_000);
      replies.push(join.lastContent() ?? '');
    }
    expect(replies.at(-1)).toMatch(/Joined Lounge|already in Lounge/);
    expect(replies.slice(0, -1).every((reply) => /couldn't connect to Lounge in time/.test(reply))).toBe(true);
    await discord.waitForBotVoice(ids.guild, ids.voice, 25_000);
    const leave = await discord.sendSlashCommand({ guildId: ids.guild, channelId: ids.text, userId: ids.alice, name: 'leave' }).waitForReply();
    expect(leave.body.content).toMatch(/^Left/);
    console.log(`fuzz: final /join (${replies.length} attempt${replies.length > 1 ? 's' : ''}) + /leave answered in ${Math.round(performance.now() - started)} ms`);
  }, 120_000);

  it('raises no unhandled rejection or uncaught exception', () => {
    expect(processFaults).toEqual([]);
  });

  it('puts no secret in any reply, posted message or log line', () => {
    const secrets = [bed.config.discordToken, bed.config.openaiApiKey];
    const channelIds = worlds.stages.flatMap((stage) => [...stage.guild.channels.keys()]);
    const texts = [
      ...result.judged.map((j) => JSON.stringify(j.record.responses.map((r) => r.body))),
      ...channelIds.map((id) => JSON.stringify(bed.discord.channelMessages(id).map((m) => m.body))),
      ...bed.logs,
    ];
    const leaks = texts.filter((text) => secrets.some((secret) => text.includes(secret)));
    expect(leaks.map((text) => text.slice(0, 200))).toEqual([]);
  });

  it('pings nobody: every reply and posted message with text allows no mentions', () => {
    const channelIds = worlds.stages.flatMap((stage) => [...stage.guild.channels.keys()]);
    const bodies = [
      ...result.judged.flatMap((j) => j.record.responses.map((r) => r.body)),
      ...channelIds.flatMap((id) => bed.discord.channelMessages(id).map((m) => m.body)),
    ];
    const pinging = bodies.filter((body) => typeof body?.content === 'string' && JSON.stringify(body.allowed_mentions) !== '{"parse":[]}');
    expect(pinging.map((body) => `${String(body.content).slice(0, 80)} / ${JSON.stringify(body.allowed_mentions)}`)).toEqual([]);
  });

  it('calls no REST route the fake Discord does not know', () => {
    expect(bed.discord.unknownRoutes).toEqual([]);
  });
});

/** Distinct causes (option names, numbers and ids blurred) with their counts, most frequent first. */
function distinctCauses(causes: ReadonlyMap<string, string>): string[] {
  const counts = new Map<string, number>();
  for (const cause of causes.values()) {
    const kind = cause.replace(/"[^"]*"/g, '"…"').replace(/\d+/g, '#').replace(/unknown command .*/, 'unknown command …').slice(0, 160);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([cause, n]) => `${String(n).padStart(5)}  ${cause}`);
}

/** Warn and error log lines grouped by message, most frequent first. */
function loggedProblems(logs: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of logs) {
    const entry = JSON.parse(line) as { level?: string; msg?: string; err?: { message?: string } };
    if (entry.level !== 'warn' && entry.level !== 'error') continue;
    const key = `${entry.level} ${entry.msg}${entry.err?.message ? `: ${entry.err.message.replace(/\d+/g, '#').slice(0, 100)}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${String(n).padStart(5)}  ${key}`);
}

function describeFault(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}\n${value.stack ?? ''}` : String(value);
}
