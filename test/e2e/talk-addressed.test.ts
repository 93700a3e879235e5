import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_PCM_RATE, OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { SKIP_MARKER } from '../../src/listen/addressed.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

type ChatBody = { messages: { role: string; content?: unknown }[] };
const chatRequests = (bed: TestBed) => bed.openai.requests.filter((r) => r.path === '/v1/chat/completions');
const answers = async (bed: TestBed) => (await bed.bot.ctx.store.history(bed.ids.voice)).filter((t) => t.kind === 'assistant');

describe('/talk mode:addressed with three members', () => {
  let bed: TestBed;

  beforeAll(async () => {
    // Speculation off: every utterance is exactly one request, so scripts line up with speakers.
    bed = await startTestBed({ PARLEY_EARLY_START_MS: '0' });
    for (const member of [bed.ids.alice, bed.ids.bob, bed.ids.mod]) bed.discord.setVoiceState(bed.ids.guild, member, bed.ids.voice);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('starts in addressed mode and says so', async () => {
    const start = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.mod, name: 'talk', subcommand: 'start', options: { everyone: true, mode: 'addressed' } });
    await start.waitFor((r) => r.kind === 'edit');
    await bed.discord.waitForChannelMessage(bed.ids.voice, (m) => String(m.body.content).includes('only when you speak to me'));
    expect(bed.bot.ctx.talk.get(bed.ids.guild)?.mode).toBe('addressed');
  });

  it('answers what is said to it, plays nothing for the rest, and keeps the rest as context', async () => {
    const capture = bed.discord.capture(bed.ids.guild);
    const before = chatRequests(bed).length;
    const answersBefore = (await answers(bed)).length;

    // 1. Alice speaks to Parley: answered aloud.
    bed.openai.scriptChat({ transcript: 'Hello Alice, happy to help.', audio: speechLike(400, OPENAI_PCM_RATE, 61), speed: 4 });
    capture.reset();
    await bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(700, DISCORD_PCM_RATE, 62, 2));
    await expect.poll(async () => (await answers(bed)).length, { timeout: 15_000 }).toBe(answersBefore + 1);
    await capture.waitForQuiet(150, 10_000);
    expect(capture.packets.filter((p) => !p.silence).length).toBeGreaterThan(10);

    // 2. Bob talks to Alice: the model declines with the marker (its transcript deltas come first, as the API's do).
    bed.openai.scriptChat({ transcript: SKIP_MARKER, audio: speechLike(300, OPENAI_PCM_RATE, 63), speed: 4 });
    capture.reset();
    await bed.discord.speak(bed.ids.guild, bed.ids.bob, speechLike(800, DISCORD_PCM_RATE, 64, 2));
    await expect.poll(async () => (await answers(bed)).length, { timeout: 15_000 }).toBe(answersBefore + 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(capture.packets.filter((p) => !p.silence)).toHaveLength(0);
    expect((await answers(bed)).at(-1)).toMatchObject({ transcript: SKIP_MARKER, status: 'complete' });
    expect((await bed.bot.ctx.store.history(bed.ids.voice)).some((t) => t.kind === 'assistant' && t.audioId && t.transcript === SKIP_MARKER)).toBe(false);

    // 3. Mo speaks to Parley: answered, and the request carries what Bob said.
    bed.openai.scriptChat({ transcript: 'Sure, Mo.', audio: speechLike(400, OPENAI_PCM_RATE, 65), speed: 4 });
    capture.reset();
    await bed.discord.speak(bed.ids.guild, bed.ids.mod, speechLike(700, DISCORD_PCM_RATE, 66, 2));
    await expect.poll(async () => (await answers(bed)).length, { timeout: 15_000 }).toBe(answersBefore + 3);
    await capture.waitForQuiet(150, 10_000);
    expect(capture.packets.filter((p) => !p.silence).length).toBeGreaterThan(10);

    const requests = chatRequests(bed).slice(before);
    expect(requests).toHaveLength(3); // one request per utterance, no separate classification call
    for (const r of requests) expect(r.schemaErrors).toEqual([]);
    const last = requests[2]!;
    const messages = (last.body as ChatBody).messages;
    expect(JSON.stringify(messages[0])).toContain(SKIP_MARKER); // the instructions in the system message
    const bobTurn = messages.findIndex((m) => m.role === 'user' && JSON.stringify(m.content).includes('Bob said:'));
    const moTurn = messages.findIndex((m) => m.role === 'user' && JSON.stringify(m.content).includes('Mo said:'));
    expect(bobTurn).toBeGreaterThan(0);
    expect(moTurn).toBeGreaterThan(bobTurn);
    expect(last.inputAudio.length).toBeGreaterThanOrEqual(3); // Alice, Bob and Mo as audio
  });

  it('answers everything when only one member is left in the channel', async () => {
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.bob, null);
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.mod, null);
    await expect.poll(() => bed.bot.ctx.talk.get(bed.ids.guild)?.listening, { timeout: 5_000 }).toEqual([bed.ids.alice]);
    const before = chatRequests(bed).length;
    bed.openai.scriptChat({ transcript: 'Just us now.', audio: speechLike(300, OPENAI_PCM_RATE, 67), speed: 4 });
    await bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(700, DISCORD_PCM_RATE, 68, 2));
    await expect.poll(() => chatRequests(bed).length, { timeout: 15_000 }).toBe(before + 1);
    expect(JSON.stringify((chatRequests(bed).at(-1)!.body as ChatBody).messages[0])).not.toContain(SKIP_MARKER);
  });

  it('keeps a server default in /settings talkmode and refuses an unknown mode', async () => {
    const set = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.mod, name: 'settings', subcommand: 'talkmode', options: { mode: 'addressed' } });
    expect((await set.waitForReply()).body.content).toMatch(/addressed mode/);
    expect((await bed.bot.ctx.store.getSettings(bed.ids.guild)).talkMode).toBe('addressed');
    const show = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.mod, name: 'settings', subcommand: 'show' });
    expect((await show.waitForReply()).body.content).toContain('Talk mode: addressed');
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.bob, bed.ids.voice);
    const stale = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.bob, name: 'talk', subcommand: 'start', options: { mode: 'sideways' } });
    expect((await stale.waitForReply()).body.content).toMatch(/all.*addressed/);
  });
});
