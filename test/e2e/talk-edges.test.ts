import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_PCM_RATE, OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

const chatRequests = (bed: TestBed) => bed.openai.requests.filter((r) => r.path === '/v1/chat/completions');

describe('/talk: everyone mode, overlaps, departures, history upkeep, losing the channel', () => {
  let bed: TestBed;
  let otherBotId: string;
  const talk = (userId: string, sub: 'start' | 'stop', options?: Record<string, boolean>) =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId, name: 'talk', subcommand: sub, options });
  const turnsOf = async (kind: 'user' | 'assistant') => (await bed.bot.ctx.store.history(bed.ids.voice)).filter((t) => t.kind === kind);

  beforeAll(async () => {
    bed = await startTestBed({ PARLEY_AUDIO_TURNS_KEPT: '1' });
    otherBotId = bed.guild.addMember({ username: 'musicbot', bot: true }).id;
    bed.openai.scriptTranscription({ text: 'first words' }, { text: 'second words' }, { text: 'third words' });
    for (const id of [bed.ids.alice, bed.ids.bob, bed.ids.mod, otherBotId]) bed.discord.setVoiceState(bed.ids.guild, id, bed.ids.voice);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('refuses everyone:true to a member without Manage Channels', async () => {
    const reply = await talk(bed.ids.alice, 'start', { everyone: true }).waitForReply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.body.content).toMatch(/Only moderators/);
    expect(bed.bot.ctx.voice.get(bed.ids.guild)).toBeUndefined();
  });

  it('listens to every human in the channel for a moderator, never to bots', async () => {
    const start = talk(bed.ids.mod, 'start', { everyone: true });
    await start.waitFor((r) => r.kind === 'edit');
    const listening = bed.bot.ctx.talk.get(bed.ids.guild)!.listening.sort();
    expect(listening).toEqual([bed.ids.alice, bed.ids.bob, bed.ids.mod].sort());
    expect(listening).not.toContain(otherBotId);
  });

  it('answers two members talking at the same time, each under their own name', async () => {
    bed.openai.scriptChat({ transcript: 'One.', audio: speechLike(300, OPENAI_PCM_RATE, 71), speed: 4 }, { transcript: 'Two.', audio: speechLike(300, OPENAI_PCM_RATE, 72), speed: 4 });
    const before = chatRequests(bed).length;
    await Promise.all([
      bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(800, DISCORD_PCM_RATE, 73, 2)),
      bed.discord.speak(bed.ids.guild, bed.ids.bob, speechLike(900, DISCORD_PCM_RATE, 74, 2)),
    ]);
    await expect.poll(async () => (await turnsOf('assistant')).length, { timeout: 15_000 }).toBe(2);
    expect(chatRequests(bed).length).toBe(before + 2);
    expect((await turnsOf('user')).map((t) => t.kind === 'user' && t.speakerName).sort()).toEqual(['Alice', 'Bob']);
  });

  it('keeps only the newest spoken turn as audio; older ones become text in the background', async () => {
    await expect.poll(() => bed.openai.requests.filter((r) => r.path === '/v1/audio/transcriptions').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const transcription = bed.openai.requests.find((r) => r.path === '/v1/audio/transcriptions')!;
    expect(transcription.schemaErrors).toEqual([]);
    expect((transcription.body as { fields: { model: string } }).fields.model).toBe('gpt-transcribe');
    await expect.poll(async () => (await turnsOf('user')).filter((t) => t.kind === 'user' && t.audio).length, { timeout: 10_000 }).toBe(1);
    const textTurn = (await turnsOf('user')).find((t) => t.kind === 'user' && !t.audio);
    expect(textTurn?.kind === 'user' && textTurn.transcript).toMatch(/words/);

    bed.openai.scriptChat({ transcript: 'Three.', audio: speechLike(300, OPENAI_PCM_RATE, 75), speed: 4 });
    const before = chatRequests(bed).length;
    await bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(600, DISCORD_PCM_RATE, 76, 2));
    await expect.poll(() => chatRequests(bed).length, { timeout: 10_000 }).toBe(before + 1);
    const messages = JSON.stringify((chatRequests(bed).at(-1)!.body as { messages: unknown[] }).messages);
    expect(messages).toMatch(/said: (first|second) words/);
  });

  it('drops the utterance of a member who leaves mid-sentence', async () => {
    const before = chatRequests(bed).length;
    const speaking = bed.discord.speak(bed.ids.guild, bed.ids.bob, speechLike(1_500, DISCORD_PCM_RATE, 77, 2)).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.bob, null);
    await speaking;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(chatRequests(bed).length).toBe(before);
    expect(bed.bot.ctx.talk.get(bed.ids.guild)!.listening).not.toContain(bed.ids.bob);
  });

  it('stores the answer as interrupted when the bot is kicked mid-answer, and can start again', async () => {
    await expect.poll(() => bed.bot.ctx.voice.get(bed.ids.guild)?.pacer.busy, { timeout: 10_000 }).toBe(false);
    bed.openai.scriptChat({ transcript: 'A long answer that will not be finished because someone kicks the bot.', audio: speechLike(5_000, OPENAI_PCM_RATE, 78), speed: 1 });
    const capture = bed.discord.capture(bed.ids.guild);
    capture.reset();
    await bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(600, DISCORD_PCM_RATE, 79, 2));
    await capture.waitForPackets(40, 10_000);
    await bed.discord.moveBot(bed.ids.guild, null);
    await expect.poll(() => bed.bot.ctx.voice.get(bed.ids.guild), { timeout: 10_000 }).toBeUndefined();
    await expect.poll(async () => ((await turnsOf('assistant')).at(-1) as { status?: string } | undefined)?.status, { timeout: 10_000 }).toBe('interrupted');
    expect(bed.bot.ctx.talk.get(bed.ids.guild)).toBeUndefined();

    const again = talk(bed.ids.alice, 'start');
    await again.waitFor((r) => r.kind === 'edit');
    expect(again.lastContent()).toMatch(/listening/i);
    await bed.discord.waitForBotVoice(bed.ids.guild, bed.ids.voice);
  });

  it('keeps working when a moderator moves the bot mid-answer', async () => {
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    bed.openai.scriptChat({ transcript: 'Moving along.', audio: speechLike(3_000, OPENAI_PCM_RATE, 80), speed: 1 });
    const capture = bed.discord.capture(bed.ids.guild);
    await bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(600, DISCORD_PCM_RATE, 81, 2));
    await capture.waitForPackets(20, 10_000);
    await bed.discord.moveBot(bed.ids.guild, bed.ids.voice2);
    await expect.poll(() => bed.bot.ctx.voice.get(bed.ids.guild)?.channelId, { timeout: 10_000 }).toBe(bed.ids.voice2);
    // Moved away from the people it listened to: listening ends, the session stays.
    expect(bed.bot.ctx.talk.get(bed.ids.guild)?.listening ?? []).toEqual([]);
    // Once the answer is over, Parley is idle and any member may send it away.
    await expect.poll(() => bed.bot.ctx.voice.get(bed.ids.guild)!.pacer.busy || bed.bot.ctx.turns.busy, { timeout: 10_000 }).toBe(false);
    const leave = await bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'leave' }).waitForReply();
    expect(leave.body.content).toMatch(/Left/);
  });
});
