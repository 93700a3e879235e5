/**
 * /announce refusing bad input and surviving OpenAI failures, end to end: every reply short and
 * ephemeral, nothing played where nothing should be, and never a voice connection left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { Downsampler48kStereoTo24kMono } from '../../src/audio/resample.ts';
import { Permission, type FakeInteraction, type SlashOptionValue } from '../harness/discord/index.ts';
import type { Fault } from '../harness/openai/index.ts';
import { normalizedCrossCorrelation } from '../support/compare.ts';
import { concat, speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

const RATE_24K = OPENAI_PCM_RATE;
/** SDK retries stay fast: the API's retry-after-ms header, honoured by the SDK. */
const FAST_RETRY = { 'retry-after-ms': '10' };

describe('/announce: refusals and failures', () => {
  let bed: TestBed;
  const speechRequests = () => bed.openai.requests.filter((r) => r.path === '/v1/audio/speech');
  const announce = (options: Record<string, SlashOptionValue>, userId?: string) =>
    bed.discord.sendSlashCommand({
      guildId: bed.ids.guild,
      channelId: bed.ids.text,
      userId: userId ?? bed.ids.mod,
      name: 'announce',
      options: { channel: { channelId: bed.ids.voice }, ...options },
    });
  /** The final reply (not a progress note), which must be ephemeral. */
  const finalReply = async (interaction: FakeInteraction): Promise<string> => {
    const reply = await interaction.waitFor((r) => typeof r.body?.content === 'string' && !/^(⏳|📢 Announcing)/.test(r.body.content), 20_000);
    expect(reply.ephemeral || interaction.responses.some((r) => r.kind === 'callback' && r.ephemeral)).toBe(true);
    return reply.body.content as string;
  };
  /** Nothing may remain in voice after a failure. */
  const expectOutOfVoice = async () => {
    await bed.discord.waitForBotVoice(bed.ids.guild, null);
    expect(bed.bot.ctx.voice.get(bed.ids.guild)).toBeUndefined();
  };
  /** Refused before anything was requested or played. */
  const expectRefused = async (options: Record<string, SlashOptionValue>, pattern: RegExp, userId?: string) => {
    const requestsBefore = bed.openai.requests.length;
    const content = await finalReply(announce(options, userId));
    expect(content).toMatch(pattern);
    expect(content.length).toBeLessThan(200);
    expect(bed.openai.requests.length).toBe(requestsBefore);
    expect(bed.discord.botVoice(bed.ids.guild).channelId).toBeNull();
  };
  /** A speech failure before any audio: a clear reply, no voice join, and the next announcement works. */
  const expectSpeechFailure = async (fault: Fault, pattern: RegExp, attempts: number) => {
    // A status fault serves the script's audio once it has failed `times` requests: the recovery gets it.
    bed.openai.scriptSpeech({ fault, audio: speechLike(300, RATE_24K, 90), speed: 4 });
    const before = speechRequests().length;
    const content = await finalReply(announce({ text: 'This one fails.' }));
    console.log(`announce failure (${fault.kind} ${'status' in fault ? fault.status : ''}): "${content}" after ${speechRequests().length - before} request(s)`);
    expect(content).toMatch(pattern);
    expect(speechRequests().length - before).toBe(attempts);
    await expectOutOfVoice();
    expect(await finalReply(announce({ text: 'This one works.' }))).toMatch(/Announced in/);
    await expectOutOfVoice();
  };

  beforeAll(async () => {
    bed = await startTestBed({ PARLEY_STREAM_STALL_MS: '1000', PARLEY_SPEECH_BACKEND: 'speech' });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('refuses empty text, a speed out of range and a channel that is not voice or stage', async () => {
    await expectRefused({ text: '   ' }, /announcement is empty/);
    await expectRefused({ text: 'Too fast.', speed: 5 }, /`speed` must be from 0.25 to 4/);
    await expectRefused({ text: 'Too slow.', speed: 0.1 }, /`speed` must be from 0.25 to 4/);
    await expectRefused({ text: 'Wrong place.', channel: { channelId: bed.ids.text } }, /general is not a voice or stage channel/);
    await expectRefused({ text: 'Who?', voice: 'robot' }, /Unknown voice "robot"/);
  });

  it('refuses a channel where the bot may not speak', async () => {
    bed.guild.setPermissionOverwrite('Quiet Room', { id: bed.guild.botRoleId, type: 0, allow: 0n, deny: Permission.Speak });
    await expectRefused({ text: 'Hello?', channel: { channelId: bed.ids.voice2 } }, /I can't join Quiet Room: I need the Speak permission there/);
    bed.guild.removePermissionOverwrite('Quiet Room', bed.guild.botRoleId);
  });

  it('refuses a member without Manage Server or Mute Members in the target channel, even with loosened command permissions', async () => {
    // The fake (like a server whose admins opened /announce to everyone) lets anyone invoke the command.
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    await expectRefused({ text: 'I am not a moderator.' }, /Only moderators \(Manage Server or Mute Members in Lounge\)/, bed.ids.alice);
    // Mute Members in another channel does not count here.
    bed.guild.setPermissionOverwrite('Quiet Room', { id: bed.ids.alice, type: 1, allow: Permission.MuteMembers, deny: 0n });
    await expectRefused({ text: 'Still not here.' }, /Only moderators/, bed.ids.alice);
    await expectRefused({ text: 'Nor a preview.', preview: true }, /Only moderators/, bed.ids.alice);
    expect(await bed.bot.ctx.store.announcements(bed.ids.guild)).toEqual([]);
    expect(bed.discord.capture(bed.ids.guild).packets).toEqual([]);
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, null);
  });

  it('says the bot is misconfigured on 401, and logs it for the operator', async () => {
    await expectSpeechFailure({ kind: 'status', status: 401 }, /misconfigured/, 1);
    expect(bed.logs.some((l) => l.includes('"level":"error"') && l.includes('OPENAI_API_KEY'))).toBe(true);
  });

  it('says when to try again on 429 after the SDK’s retries', async () => {
    await expectSpeechFailure({ kind: 'status', status: 429, times: 3, headers: FAST_RETRY }, /rate-limited by OpenAI\. Please try again in/, 3);
  });

  it('says OpenAI is having trouble on 5xx after the SDK’s retries', async () => {
    await expectSpeechFailure({ kind: 'status', status: 503, times: 3, headers: FAST_RETRY }, /OpenAI is having trouble/, 3);
  });

  it('gives up on a stream that sends nothing', async () => {
    await expectSpeechFailure({ kind: 'stall', afterChunks: 0 }, /OpenAI stopped sending the speech/, 1);
  });

  it('plays what arrived of a stream cut mid-announcement, says it was cut, and leaves', async () => {
    const audio = speechLike(1_500, RATE_24K, 91);
    bed.openai.scriptSpeech({ audio, chunkMs: 100, speed: 2, fault: { kind: 'reset', afterChunks: 5 } });
    const capture = bed.discord.capture(bed.ids.guild);
    const content = await finalReply(announce({ text: 'This stream breaks halfway.' }));
    expect(content).toMatch(/cut off after 0\.\d s\. The connection broke\.\nPlease try again\./);
    await expectOutOfVoice();
    const downsampler = new Downsampler48kStereoTo24kMono();
    const heard = concat(...capture.packets.filter((p) => !p.silence).map((p) => downsampler.push(p.pcm)), downsampler.flush());
    const heardMs = (heard.length * 1000) / RATE_24K;
    const { peak } = normalizedCrossCorrelation(audio.subarray(0, heard.length), heard, 2_400);
    console.log(`announce cut after 5 chunks: heard ${Math.round(heardMs)} ms of the first 500 ms, correlation ${peak.toFixed(3)}; reply "${content.replace(/\n/g, ' ')}"`);
    expect(heardMs).toBeGreaterThan(400);
    expect(heardMs).toBeLessThan(600);
    expect(peak).toBeGreaterThanOrEqual(0.9);
    expect((await bed.bot.ctx.store.announcements(bed.ids.guild)).at(-1)?.text).toBe('This stream breaks halfway.');
  });

  it('counts announcements against the server’s daily budget, and refuses once it is spent', async () => {
    const spent = await bed.bot.ctx.store.usageSummary(bed.ids.guild, 0);
    console.log(`announce usage so far: ${spent.turns} billed calls, $${spent.costUsd.toFixed(5)} (estimated for the speech endpoint)`);
    expect(spent.costUsd).toBeGreaterThan(0);
    await bed.bot.ctx.store.recordUsage({ guildId: bed.ids.guild, userId: bed.ids.bob, model: 'gpt-audio', tokens: { textIn: 0, audioIn: 0, cachedIn: 0, textOut: 0, audioOut: 0 }, costUsd: 1_000 });
    await expectRefused({ text: 'Over budget.' }, /used today's Parley budget/);
  });

  it('leaves nothing behind: no voice session, no unknown routes', () => {
    expect(bed.bot.ctx.voice.size).toBe(0);
    expect(bed.discord.botVoice(bed.ids.guild).connected).toBe(false);
    expect(bed.discord.unknownRoutes).toEqual([]);
  });
});
