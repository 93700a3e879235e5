/**
 * Bugs the fuzz run (fuzz.test.ts) found, each reproduced deterministically, kept as regression tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoiceConnectionStatus } from '@discordjs/voice';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { GENERIC_FAILURE } from '../../src/discord/errors.ts';
import type { InteractionRecord, SlashCommandRequest } from '../harness/discord/index.ts';
import { registerGuildCommands } from '../support/fuzz/skew.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

describe('fuzz findings, pinned', () => {
  let bed: TestBed;
  let staleGuildId: string;
  const send = (request: Partial<SlashCommandRequest> & { name: string }) =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, ...request });
  /** The last text once the interaction is answered for good (a reply, or an edit that is not progress). */
  const settled = async (interaction: InteractionRecord, timeoutMs = 20_000): Promise<string> => {
    await interaction.waitFor((r) => (r.kind === 'callback' && r.type === 4) || ((r.kind === 'edit' || r.kind === 'followup') && !String(r.body?.content).endsWith(' …')), timeoutMs);
    return interaction.lastContent() ?? '';
  };

  beforeAll(async () => {
    bed = await startTestBed();
    // A stale registration in a second guild: /ask's prompt was once a number (guild commands shadow global ones).
    const guild = bed.discord.addGuild({ name: 'Stale Server', channels: [{ name: 'chat', type: 'text' }], members: [{ username: 'carol' }] });
    staleGuildId = guild.id;
    const ask = bed.discord.registeredCommands().find((c: { name: string }) => c.name === 'ask');
    const stale = { ...ask, options: [{ name: 'prompt', type: 4, description: 'old' }] };
    await registerGuildCommands(bed.discord.apiBase, bed.discord.applicationId, bed.discord.botToken, guild.id, [stale]);
  });
  afterAll(async () => {
    await bed?.close();
  });

  // Fix: map discord.js's CommandInteractionOption* errors to a UserError in the router (see the report).
  it('refuses an option of another type (stale registration) instead of the generic failure', async () => {
    const guild = bed.discord.guild(staleGuildId);
    const ask = send({ name: 'ask', guildId: guild.id, channelId: guild.channel('chat').id, userId: guild.member('carol').id, options: { prompt: 42 } });
    expect(await settled(ask)).not.toContain(GENERIC_FAILURE);
  });

  it('refuses a command without its subcommand instead of the generic failure', async () => {
    expect(await settled(send({ name: 'settings' }))).not.toContain(GENERIC_FAILURE);
  });

  it('refuses a command without a required option instead of the generic failure', async () => {
    expect(await settled(send({ name: 'settings', subcommand: 'voice' }))).not.toContain(GENERIC_FAILURE);
  });

  it('refuses a command it does not know (stale deploy) instead of the generic failure', async () => {
    expect(await settled(send({ name: 'play' }))).not.toContain(GENERIC_FAILURE);
  });

  it('refuses a command name used with the wrong kind of interaction instead of the generic failure', async () => {
    expect(await settled(send({ name: 'Ask Parley' }))).not.toContain(GENERIC_FAILURE);
  });

  it('does not start listening on an unknown /talk subcommand', async () => {
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.bob, bed.ids.voice2);
    await settled(send({ name: 'talk', subcommand: 'retired', userId: bed.ids.bob }));
    try {
      expect(bed.bot.ctx.talk.get(bed.ids.guild)?.listening ?? []).not.toContain(bed.ids.bob);
    } finally {
      await send({ name: 'leave' }).waitForReply();
      bed.discord.setVoiceState(bed.ids.guild, bed.ids.bob, null);
    }
  });

  // Fix in run-turn.ts: playback stopped before any words is a UserError, not the SDK's abort error.
  it('tells the member when /leave stops an answer before its first words', async () => {
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    bed.openai.scriptChat({ transcript: 'Too late.', audio: speechLike(500, OPENAI_PCM_RATE, 1), firstChunkDelayMs: 1_500 });
    const before = bed.openai.requests.length;
    const ask = send({ name: 'ask', options: { prompt: 'Are you there?' } });
    await bed.openai.waitForRequest((r) => r.path === '/v1/chat/completions' && bed.openai.requests.indexOf(r) >= before);
    expect((await send({ name: 'leave' }).waitForReply()).body.content).toMatch(/^Left/);
    expect(await settled(ask)).not.toContain(GENERIC_FAILURE);
    // Nothing was said, but the API had accepted the request: its input is billed, by estimate.
    const usage = await bed.bot.ctx.store.usageSummary(bed.ids.guild, 0);
    expect(usage.estimatedCalls).toBe(1);
    expect(usage.tokens).toMatchObject({ audioOut: 0, textOut: 0 });
    expect(usage.tokens.textIn).toBeGreaterThan(0);
  });

  // Fix in commands/reset.ts: reply (or defer) before waiting for the channel's turns.
  it('acknowledges /reset within 3 s while an answer is playing', async () => {
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    bed.openai.scriptChat({ transcript: 'A long answer.', audio: speechLike(6_000, OPENAI_PCM_RATE, 2), speed: 1 });
    const capture = bed.discord.capture(bed.ids.guild);
    capture.reset();
    const ask = send({ name: 'ask', options: { prompt: 'Tell me a long story.' } });
    await capture.waitForPackets(10, 15_000);
    const reset = send({ name: 'reset' });
    try {
      await reset.waitForReply(5_000);
    } finally {
      await send({ name: 'leave' }).waitForReply();
      await settled(ask);
    }
  }, 30_000);

  it('refuses /reset when the channel queue is full instead of the generic failure', async () => {
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    const asks = Array.from({ length: 5 }, (_, i) => {
      bed.openai.scriptChat({ transcript: `Answer ${i}.`, audio: speechLike(1_500, OPENAI_PCM_RATE, 10 + i), speed: 1 });
      return send({ name: 'ask', options: { prompt: `Question ${i}` } });
    });
    await Promise.all(asks.map((a) => a.waitForReply()));
    await expect.poll(() => bed.bot.ctx.turns.pending(bed.ids.voice), { timeout: 10_000 }).toBe(5);
    const reset = send({ name: 'reset' });
    try {
      expect(await settled(reset, 10_000)).not.toContain(GENERIC_FAILURE);
    } finally {
      await send({ name: 'leave' }).waitForReply();
      for (const ask of asks) await settled(ask);
    }
  }, 40_000);

  // Fix in src/voice/sessions.ts: chain joins per guild; fail a join whose connection is destroyed.
  it('keeps one voice session per connection when several /join arrive at once', async () => {
    const { discord, ids } = bed;
    discord.setVoiceState(ids.guild, ids.alice, ids.voice);
    discord.setVoiceState(ids.guild, ids.bob, ids.voice2);
    const joins = [ids.alice, ids.bob, ids.alice, ids.bob].map((userId) => send({ name: 'join', userId }));
    await Promise.all(joins.map((join) => settled(join)));
    const session = bed.bot.ctx.voice.get(ids.guild)!;
    try {
      expect(session.connection.state.status).toBe(VoiceConnectionStatus.Ready);
      // Each VoiceSession supervises its connection with one Destroyed listener; more = orphaned sessions.
      expect(session.connection.listenerCount(VoiceConnectionStatus.Destroyed)).toBe(1);
    } finally {
      await send({ name: 'leave' }).waitForReply();
    }
  });
});
