/**
 * Who may move Parley or make it leave (the README's permission table): a moderator's
 * `/talk start everyone` is stopped only by a moderator; a busy Parley goes only with a moderator
 * or with the one member alone with it; an idle one goes with anyone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlashCommandRequest } from '../harness/discord/index.ts';
import { OpusTrack } from '../../src/voice/track.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

describe('moving or stopping Parley while it works for others', () => {
  let bed: TestBed;
  const send = (userId: string, name: string, extra: Pick<SlashCommandRequest, 'subcommand' | 'options'> = {}) =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId, name, ...extra });
  const botChannel = () => bed.bot.ctx.voice.get(bed.ids.guild)?.channelId;

  beforeAll(async () => {
    bed = await startTestBed();
    for (const id of [bed.ids.alice, bed.ids.bob, bed.ids.mod]) bed.discord.setVoiceState(bed.ids.guild, id, bed.ids.voice);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it("refuses a member's /join elsewhere and /leave during a moderator's /talk start everyone, and says who can", async () => {
    await send(bed.ids.mod, 'talk', { subcommand: 'start', options: { everyone: true } }).waitFor((r) => r.kind === 'edit');
    expect(bed.bot.ctx.talk.get(bed.ids.guild)?.everyone).toBe(true);

    const join = await send(bed.ids.alice, 'join', { options: { channel: { channelId: bed.ids.voice2 } } }).waitForReply();
    expect(join.ephemeral).toBe(true);
    expect(join.body.content).toMatch(/Only moderators \(Move Members, Manage Server or Mute Members\) can move me or make me leave/);
    const leave = await send(bed.ids.bob, 'leave').waitForReply();
    expect(leave.ephemeral).toBe(true);
    expect(leave.body.content).toMatch(/Only moderators/);
    const stop = await send(bed.ids.bob, 'talk', { subcommand: 'stop', options: { everyone: true } }).waitForReply();
    expect(stop.body.content).toMatch(/Only moderators \(Move Members, Manage Server or Mute Members\) can use `everyone`/);

    // Nothing changed: same channel, still listening to everyone.
    expect(botChannel()).toBe(bed.ids.voice);
    const talk = bed.bot.ctx.talk.get(bed.ids.guild)!;
    expect(talk.everyone).toBe(true);
    expect(talk.listening.sort()).toEqual([bed.ids.alice, bed.ids.bob, bed.ids.mod].sort());
  });

  it("lets a moderator end it with /leave", async () => {
    const leave = await send(bed.ids.mod, 'leave').waitForReply();
    expect(leave.body.content).toMatch(/Left/);
    await expect.poll(() => botChannel()).toBeUndefined();
  });

  it('refuses /leave from a member while Parley listens to someone else, and allows it to the one listened to', async () => {
    await send(bed.ids.alice, 'talk', { subcommand: 'start' }).waitFor((r) => r.kind === 'edit');
    expect(bed.bot.ctx.talk.get(bed.ids.guild)?.listening).toEqual([bed.ids.alice]);
    const refused = await send(bed.ids.bob, 'leave').waitForReply();
    expect(refused.ephemeral).toBe(true);
    expect(refused.body.content).toMatch(/busy in <#\d+> \(listening to others\)\. Only the one member there with me, or a moderator/);
    expect(botChannel()).toBe(bed.ids.voice);

    const join = send(bed.ids.alice, 'join', { options: { channel: { channelId: bed.ids.voice2 } } });
    await join.waitFor((r) => r.kind === 'edit');
    expect(join.lastContent()).toMatch(/Joined Quiet Room/);
    await expect.poll(() => botChannel()).toBe(bed.ids.voice2);
  });

  it('refuses to move Parley away from an answer, except for the one member alone with it', async () => {
    await send(bed.ids.mod, 'leave').waitForReply();
    await expect.poll(() => botChannel()).toBeUndefined();
    for (const id of [bed.ids.alice, bed.ids.mod]) bed.discord.setVoiceState(bed.ids.guild, id, bed.ids.voice2);
    await send(bed.ids.bob, 'join').waitFor((r) => r.kind === 'edit');
    await expect.poll(() => botChannel()).toBe(bed.ids.voice);
    // An answer in the pacer (one that has not begun to sound yet) makes Parley busy.
    const answer = bed.bot.ctx.voice.get(bed.ids.guild)!.pacer.enqueue(new OpusTrack());
    try {
      const refused = await send(bed.ids.alice, 'join').waitForReply();
      expect(refused.ephemeral).toBe(true);
      expect(refused.body.content).toMatch(/busy in <#\d+> \(answering\)\. Only the one member there with me, or a moderator \(Move Members, Manage Server or Mute Members\)/);
      expect(botChannel()).toBe(bed.ids.voice);
      const leave = await send(bed.ids.bob, 'leave').waitForReply();
      expect(leave.body.content).toMatch(/Left/);
      await expect.poll(() => botChannel()).toBeUndefined();
    } finally {
      answer.cancel();
    }
  });
});
