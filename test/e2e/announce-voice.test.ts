/**
 * /announce and voice placement end to end: pre-empting a conversation answer (which resumes),
 * announcements in order, a round trip to another channel on the same connection with /talk kept,
 * stages, post, preview, and the fallback from a missing speech model to its Realtime replacement.
 * The bed is configured for the speech endpoint (PARLEY_SPEECH_BACKEND=speech), as existing installs are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_PCM_RATE, OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { decodeOggOpus } from '../../src/audio/ogg-opus.ts';
import { resetGoneModels } from '../../src/ai/dead-models.ts';
import { Permission, type CapturedPacket, type FakeInteraction, type SlashOptionValue } from '../harness/discord/index.ts';
import { mixToMono, normalizedCrossCorrelation, toneAmplitude } from '../support/compare.ts';
import { speechLike, tone } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';
import { resampleMono } from '../../src/audio/resample-any-rate.ts';

const RATE_24K = OPENAI_PCM_RATE;

/** A reply that is not a progress note (waiting, now playing). */
function isFinal(content: unknown): boolean {
  return typeof content === 'string' && !/^(⏳|📢 Announcing)/.test(content);
}

/** The dominant test tone of a packet (48 kHz stereo), or undefined for silence and mixtures. */
function toneOf(packet: CapturedPacket, candidates: readonly number[]): number | undefined {
  const mono = mixToMono(packet.pcm, 2);
  const levels = candidates.map((f) => toneAmplitude(mono, f, DISCORD_PCM_RATE));
  const best = Math.max(...levels);
  return best > 2_000 && levels.filter((l) => l > best / 4).length === 1 ? candidates[levels.indexOf(best)] : undefined;
}

/** Consecutive runs of equal values: [a, a, b, a] -> [a, b, a]. */
function runs<T>(values: readonly T[]): T[] {
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}

describe('/announce in voice: priority, order, round trips, stages, post, preview', () => {
  let bed: TestBed;
  /** Every bot packet of the test, across voice sessions (the capture restarts with each one). */
  let allPackets: CapturedPacket[] = [];
  const announce = (options: Record<string, SlashOptionValue>, userId?: string) =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: userId ?? bed.ids.mod, name: 'announce', options: { channel: { channelId: bed.ids.voice }, ...options } });
  const finalReply = async (interaction: FakeInteraction) => {
    await interaction.waitFor((r) => isFinal(r.body?.content), 20_000);
    return interaction.lastContent() ?? '';
  };

  beforeAll(async () => {
    resetGoneModels();
    bed = await startTestBed({ PARLEY_SPEECH_BACKEND: 'speech' });
    bed.openai.warmRealtime();
    const packets = bed.discord.capture(bed.ids.guild).packets;
    const push = packets.push.bind(packets);
    packets.push = (...items: CapturedPacket[]) => {
      allPackets.push(...items);
      return push(...items);
    };
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    const talk = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'talk', subcommand: 'start' });
    await talk.waitFor((r) => r.kind === 'edit');
    await bed.discord.waitForBotVoice(bed.ids.guild, bed.ids.voice);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('pre-empts an answer, which resumes afterwards; two announcements play in order, back to back', async () => {
    allPackets = [];
    bed.openai.scriptChat({ transcript: 'A two second answer.', audio: tone(440, 2_000, RATE_24K), speed: 4 });
    bed.openai.scriptSpeech({ audio: tone(1_000, 600, RATE_24K), speed: 4 }, { audio: tone(1_500, 600, RATE_24K), speed: 4 });
    const ask = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'ask', options: { prompt: 'Talk for a while.' } });
    await expect.poll(() => allPackets.filter((p) => !p.silence).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(15);
    const first = announce({ text: 'First announcement.' });
    await first.waitForReply();
    const second = announce({ text: 'Second announcement.' });
    expect(await finalReply(first)).toMatch(/Announced in/);
    expect(await finalReply(second)).toMatch(/Announced in/);
    expect(second.responses.some((r) => /Waiting for the announcement/.test(String(r.body?.content)))).toBe(true);
    await ask.waitFor((r) => r.kind === 'edit' && String(r.body.content).includes('A two second answer.') && !String(r.body.content).endsWith('…'), 20_000);
    await bed.discord.capture(bed.ids.guild).waitForQuiet(300, 10_000);

    const tones = allPackets.filter((p) => !p.silence).map((p) => toneOf(p, [440, 1_000, 1_500]));
    const answerMs = tones.filter((t) => t === 440).length * 20;
    const order = runs(tones.filter((t) => t !== undefined));
    const between = allPackets.slice(allPackets.findIndex((p) => toneOf(p, [1_000]) === 1_000), allPackets.findLastIndex((p) => toneOf(p, [1_500]) === 1_500));
    console.log(`announce over an answer: order ${order.join(' > ')} Hz, answer heard ${answerMs} ms of 2000 ms, ${between.filter((p) => p.silence).length} silence packets between the announcements`);
    expect(order).toEqual([440, 1_000, 1_500, 440]);
    expect(answerMs).toBeGreaterThanOrEqual(1_900);
    // The next announcement is fetched while the first plays: at most a frame or two of silence between them.
    expect(between.filter((p) => p.silence).length).toBeLessThanOrEqual(2);
  });

  it('visits another channel on the same connection and comes back, /talk still listening', async () => {
    allPackets = [];
    const session = bed.bot.ctx.voice.get(bed.ids.guild)!;
    const connection = session.connection;
    const audio = speechLike(800, RATE_24K, 51);
    bed.openai.scriptSpeech({ audio, speed: 4 });
    // The first sample is taken now: a late first timer tick must not miss the channel the bot starts in.
    const visited: (string | null)[] = [bed.discord.botVoice(bed.ids.guild).channelId];
    const watch = setInterval(() => visited.push(bed.discord.botVoice(bed.ids.guild).channelId), 10);
    const interaction = announce({ text: 'Quiet room, please gather in the lounge.', channel: { channelId: bed.ids.voice2 } });
    const reply = await finalReply(interaction);
    clearInterval(watch);
    expect(reply).toMatch(new RegExp(`Announced in <#${bed.ids.voice2}>`));
    await bed.discord.waitForBotVoice(bed.ids.guild, bed.ids.voice);
    expect(runs(visited)).toEqual([bed.ids.voice, bed.ids.voice2, bed.ids.voice]);
    expect(bed.bot.ctx.voice.get(bed.ids.guild)).toBe(session);
    expect(session.connection).toBe(connection);
    expect(bed.bot.ctx.talk.get(bed.ids.guild)?.listening).toEqual([bed.ids.alice]);
    const heard = resampleMono(Int16Array.from(mixToMono(concatPcm(allPackets), 2), Math.round), DISCORD_PCM_RATE, RATE_24K);
    const { peak } = normalizedCrossCorrelation(audio, heard, 4_800);
    console.log(`announce in another channel: round trip ${runs(visited).length - 1} moves, correlation ${peak.toFixed(3)}`);
    expect(peak).toBeGreaterThanOrEqual(0.9);
  });

  it('on a stage: explains the missing Mute Members, then becomes a speaker once allowed', async () => {
    const stage = bed.guild.addChannel({ name: 'Town Hall', type: 'stage' });
    const refused = await finalReply(announce({ text: 'Stage time.', channel: { channelId: stage.id } }));
    expect(refused).toMatch(/can't speak on the stage Town Hall: I need the Mute Members permission/);

    bed.guild.setPermissionOverwrite(stage.id, { id: bed.guild.botRoleId, type: 0, allow: Permission.MuteMembers, deny: 0n });
    allPackets = [];
    bed.openai.scriptSpeech({ audio: speechLike(600, RATE_24K, 52), speed: 4 });
    const suppressed: boolean[] = [];
    const watch = setInterval(() => bed.discord.botVoice(bed.ids.guild).channelId === stage.id && suppressed.push(bed.discord.botVoice(bed.ids.guild).suppress), 10);
    expect(await finalReply(announce({ text: 'Stage time.', channel: { channelId: stage.id } }))).toMatch(/Announced in/);
    clearInterval(watch);
    expect(suppressed).toContain(false);
    expect(allPackets.filter((p) => !p.silence).length).toBeGreaterThanOrEqual(25);
    expect(bed.discord.unknownRoutes).toEqual([]);
    await bed.discord.waitForBotVoice(bed.ids.guild, bed.ids.voice);
  });

  it('post:true also posts the text, escaped and without mentions, in the voice channel chat', async () => {
    bed.openai.scriptSpeech({ audio: speechLike(300, RATE_24K, 53), speed: 4 });
    const text = `**Attention** @everyone and <@${bed.ids.alice}>: the _event_ starts now.`;
    expect(await finalReply(announce({ text, post: true }))).toMatch(/Announced in/);
    const message = await bed.discord.waitForChannelMessage(bed.ids.voice, (m) => String(m.content).includes('Attention'));
    expect(message.content).toContain('\\*\\*Attention\\*\\*');
    expect(message.content).toContain('\\_event\\_');
    expect(message.allowedMentions).toEqual({ parse: [] });
  });

  it('preview:true sends the moderator alone an Ogg Opus file of the announcement and plays nothing', async () => {
    const audio = speechLike(700, RATE_24K, 54);
    bed.openai.scriptSpeech({ audio, speed: 4 });
    const before = { packets: allPackets.length, stored: (await bed.bot.ctx.store.announcements(bed.ids.guild)).length };
    const interaction = announce({ text: 'Just checking how this sounds.', preview: true });
    const reply = await interaction.waitFor((r) => r.kind === 'edit' && r.files.length > 0, 15_000);
    expect(reply.ephemeral).toBe(true);
    expect(reply.files[0]!.name).toBe('announcement-preview.ogg');
    const decoded = decodeOggOpus(reply.files[0]!.data);
    const { peak } = normalizedCrossCorrelation(audio, resampleMono(Int16Array.from(mixToMono(decoded.pcm, decoded.channels), Math.round), DISCORD_PCM_RATE, RATE_24K), 2_400);
    console.log(`announce preview: ${Math.round(decoded.durationMs)} ms, correlation ${peak.toFixed(3)}`);
    expect(peak).toBeGreaterThanOrEqual(0.9);
    expect(allPackets.slice(before.packets).filter((p) => !p.silence)).toEqual([]);
    expect(await bed.bot.ctx.store.announcements(bed.ids.guild)).toHaveLength(before.stored);
  });

  it('stops cleanly when the bot is told to leave mid-announcement', async () => {
    allPackets = [];
    bed.openai.scriptSpeech({ audio: speechLike(3_000, RATE_24K, 57), speed: 1 });
    const interaction = announce({ text: 'A long announcement that gets interrupted.' });
    await expect.poll(() => allPackets.filter((p) => !p.silence).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(20);
    const leave = await bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'leave' }).waitForReply();
    expect(leave.body.content).toMatch(/Left/);
    expect(await finalReply(interaction)).toMatch(/stopped after \d+\.\d s/);
    await bed.discord.waitForBotVoice(bed.ids.guild, null);
    expect(bed.bot.ctx.voice.get(bed.ids.guild)).toBeUndefined();
  });

  it('when idle, joins for queued announcements, follows them from channel to channel, then leaves', async () => {
    bed.openai.scriptSpeech({ audio: speechLike(400, RATE_24K, 58), speed: 4 }, { audio: speechLike(400, RATE_24K, 59), speed: 4 });
    // The first sample is taken now: a late first timer tick must not miss the channel the bot starts in.
    const visited: (string | null)[] = [bed.discord.botVoice(bed.ids.guild).channelId];
    const watch = setInterval(() => visited.push(bed.discord.botVoice(bed.ids.guild).channelId), 10);
    const first = announce({ text: 'Lounge first.' });
    const second = announce({ text: 'Then the quiet room.', channel: { channelId: bed.ids.voice2 } });
    expect(await finalReply(first)).toMatch(/Announced in/);
    expect(await finalReply(second)).toMatch(/Announced in/);
    await bed.discord.waitForBotVoice(bed.ids.guild, null);
    clearInterval(watch);
    // The sampler may miss the last state on a loaded machine: record it once more.
    visited.push(bed.discord.botVoice(bed.ids.guild).channelId);
    expect(runs(visited)).toEqual([null, bed.ids.voice, bed.ids.voice2, null]);
    expect(bed.bot.ctx.voice.get(bed.ids.guild)).toBeUndefined();
  });

  it('moves to the Realtime replacement by itself when the speech model is gone (404 model_not_found), and says why in the log once', async () => {
    bed.openai.models.delete('gpt-4o-mini-tts');
    const audio = speechLike(300, RATE_24K, 55);
    bed.openai.scriptRealtime({ audio, speed: 4 }, { audio: speechLike(300, RATE_24K, 56), speed: 4 });
    const speechBefore = bed.openai.requests.filter((r) => r.path === '/v1/audio/speech').length;
    allPackets = [];
    expect(await finalReply(announce({ text: 'Fallback test.' }))).toMatch(/Announced in/);
    expect(await finalReply(announce({ text: 'Fallback test again.' }))).toMatch(/Announced in/);
    const speech = bed.openai.requests.filter((r) => r.path === '/v1/audio/speech').slice(speechBefore);
    expect(speech.map((r) => r.status)).toEqual([404]);
    const notes = bed.logs.filter((l) => l.includes('PARLEY_SPEECH_MODEL=gpt-4o-mini-tts does not exist'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/announcements use realtime \(gpt-realtime-2.1-mini\) instead/);
    expect((await bed.bot.ctx.store.announcements(bed.ids.guild)).at(-1)?.backend).toBe('realtime:gpt-realtime-2.1-mini');
    bed.openai.models.add('gpt-4o-mini-tts');
  });
});

function concatPcm(packets: readonly CapturedPacket[]): Int16Array {
  const spoken = packets.filter((p) => !p.silence);
  const out = new Int16Array(spoken.reduce((n, p) => n + p.pcm.length, 0));
  let offset = 0;
  for (const p of spoken) {
    out.set(p.pcm, offset);
    offset += p.pcm.length;
  }
  return out;
}
