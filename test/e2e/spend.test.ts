/**
 * The spend Parley records for a scripted session equals what the fake OpenAI reported: /ask answers,
 * an answered recording (transcribed afterwards), spoken turns, a barge-in, old turns transcribed in the
 * background, and announcements on both backends, one of them cut. Raw pcm speech reports no usage, so
 * those are compared with the estimate from the text and the audio the fake sent. /usage, the budget
 * and the metric read the same records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompletionUsage } from 'openai/resources/completions';
import type { Transcription } from 'openai/resources/audio/transcriptions';
import { estimateSpeechUsage } from '../../src/announce/voicing.ts';
import { usageFromCompletion, usageFromTranscription } from '../../src/ai/usage.ts';
import { DISCORD_PCM_RATE, OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import type { TokenUsage } from '../../src/conversation/types.ts';
import { estimateCostUsd } from '../../src/cost/prices.ts';
import type { RecordedRequest } from '../harness/openai/types.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

const ZERO: TokenUsage = { textIn: 0, audioIn: 0, cachedIn: 0, textOut: 0, audioOut: 0 };
const add = (a: TokenUsage, b: TokenUsage): TokenUsage => ({
  textIn: a.textIn + b.textIn,
  audioIn: a.audioIn + b.audioIn,
  cachedIn: a.cachedIn + b.cachedIn,
  textOut: a.textOut + b.textOut,
  audioOut: a.audioOut + b.audioOut,
});

describe('spend of a scripted session', () => {
  let bed: TestBed;
  /** pcm16 bytes the fake sent per speech request, in order (raw pcm carries no usage). */
  const speechBytes: number[] = [];
  const slash = (userId: string, name: string, options: Record<string, unknown> = {}, subcommand?: string) =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId, name, options: options as never, ...(subcommand ? { subcommand } : {}) });
  const settled = (r: { kind: string; type?: number; body: { content?: unknown } }) =>
    (r.kind !== 'callback' || r.type === 4) && !String(r.body.content).endsWith('…');
  const turns = () => bed.bot.ctx.store.history(bed.ids.voice);
  const assistantTurns = async () => (await turns()).filter((t) => t.kind === 'assistant');

  beforeAll(async () => {
    bed = await startTestBed({ PARLEY_AUDIO_TURNS_KEPT: '1', PARLEY_DAILY_BUDGET_USD: '0', PARLEY_SPEECH_BACKEND: 'speech' });
    for (const id of [bed.ids.alice, bed.ids.mod]) bed.discord.setVoiceState(bed.ids.guild, id, bed.ids.voice);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('runs answers, a recording, spoken turns, a barge-in and announcements', async () => {
    // A typed question, answered in text.
    bed.openai.scriptChat({ transcript: 'Typed answer.', textOnly: true });
    await slash(bed.ids.bob, 'ask', { prompt: 'What is two and two?', speak: false }).waitFor(settled, 20_000);

    // A shared recording: answered, then transcribed so later questions do not send it again.
    bed.openai.scriptChat({ transcript: 'About the recording.', textOnly: true });
    bed.openai.scriptTranscription({ text: 'the shared recording' });
    const wav = encodeWav(speechLike(1_200, OPENAI_PCM_RATE, 91), OPENAI_PCM_RATE, 1);
    const file = bed.discord.serveAttachment({ filename: 'clip.wav', contentType: 'audio/wav', data: wav });
    await slash(bed.ids.bob, 'ask', { audio: { attachment: file }, speak: false }).waitFor(settled, 20_000);
    await expect
      .poll(async () => (await bed.bot.ctx.store.history(bed.ids.text)).filter((t) => t.kind === 'user' && t.transcript === 'the shared recording' && !t.audio).length, { timeout: 10_000 })
      .toBe(1);
    bed.openai.scriptChat({ transcript: 'Follow-up answer.', textOnly: true });
    await slash(bed.ids.bob, 'ask', { prompt: 'And what else?', speak: false }).waitFor(settled, 20_000);
    const followUp = bed.openai.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
    expect(followUp.inputAudio, 'the answered recording is sent as its transcript, not again as audio').toEqual([]);
    expect(JSON.stringify(followUp.body)).toContain('the shared recording');

    // Two spoken turns; the older one is transcribed in the background (PARLEY_AUDIO_TURNS_KEPT=1).
    await slash(bed.ids.alice, 'talk', {}, 'start').waitFor((r) => r.kind === 'edit');
    for (const [i, transcript] of ['One.', 'Two.'].entries()) {
      bed.openai.scriptChat({ transcript, audio: speechLike(300, OPENAI_PCM_RATE, 92 + i), speed: 4 });
      await bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(800, DISCORD_PCM_RATE, 94 + i, 2));
      await expect.poll(async () => (await assistantTurns()).length, { timeout: 15_000 }).toBe(i + 1);
    }

    // Spoken turns are logged as the conversation's, not under the interaction that started /talk.
    const talkTurnLogs = bed.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === 'turn stored' && l['conversation'] === bed.ids.voice);
    expect(talkTurnLogs).toHaveLength(2);
    for (const line of talkTurnLogs) expect(line).not.toHaveProperty('interactionId');

    // A barge-in: the whole answer (and its usage) arrived at once; the member talks over its playback.
    bed.openai.scriptChat({ transcript: 'A long answer that nobody hears to the end.', audio: speechLike(5_000, OPENAI_PCM_RATE, 96) });
    bed.openai.scriptChat({ transcript: 'Sorry, go on.', audio: speechLike(300, OPENAI_PCM_RATE, 97), speed: 4 });
    const capture = bed.discord.capture(bed.ids.guild);
    await bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(800, DISCORD_PCM_RATE, 98, 2));
    capture.reset();
    await capture.waitForPackets(50, 15_000); // the answer has been playing for a second
    const speaking = bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(1_200, DISCORD_PCM_RATE, 99, 2));
    await expect.poll(() => bed.logs.some((l) => l.includes('barge-in')), { timeout: 10_000 }).toBe(true);
    await speaking;
    await expect.poll(async () => (await assistantTurns()).map((t) => t.kind === 'assistant' && t.transcript), { timeout: 20_000 }).toHaveLength(4);
    expect((await assistantTurns()).filter((t) => t.kind === 'assistant' && t.status === 'interrupted')).toHaveLength(1);
    await slash(bed.ids.alice, 'talk', {}, 'stop').waitForReply();

    // Announcements: speech endpoint, then cut after 3 of 10 chunks, then (speech models gone) the chat model.
    const announce = async (text: string) => {
      const interaction = slash(bed.ids.mod, 'announce', { text, channel: { channelId: bed.ids.voice } });
      await interaction.waitFor((r) => /Announced|cut off/.test(String(r.body?.content)), 20_000);
    };
    bed.openai.scriptSpeech({ audio: speechLike(1_000, OPENAI_PCM_RATE, 100), chunkMs: 100 });
    speechBytes.push(OPENAI_PCM_RATE * 2);
    await announce('Meeting at noon in the main hall.');
    bed.openai.scriptSpeech({ audio: speechLike(1_000, OPENAI_PCM_RATE, 101), chunkMs: 100, fault: { kind: 'cut', afterChunks: 3 } });
    speechBytes.push((3 * OPENAI_PCM_RATE * 2) / 10);
    await announce('The meeting moves to one o clock.');
    // After the speech endpoint comes the Realtime backend: with both models gone, the chat model reads.
    bed.openai.models.delete(bed.config.speechModel);
    bed.openai.realtimeModels.delete(bed.config.realtimeModel);
    bed.openai.scriptChat({ transcript: 'Read by the chat model.', audio: speechLike(600, OPENAI_PCM_RATE, 102) });
    await announce('Read by the chat model.');

    expect(await bed.bot.ctx.compactor.drain(10_000)).toBe(true);
  });

  it('records exactly the usage the fake reported, or the estimate where it reported none', async () => {
    const { config, store } = bed.bot.ctx;
    let expectedUsd = 0;
    let expectedTokens = ZERO;
    let calls = 0;
    const bill = (model: string, tokens: TokenUsage) => {
      expectedUsd += estimateCostUsd(model, tokens, config.prices);
      expectedTokens = add(expectedTokens, tokens);
      calls += 1;
    };
    const speechInputs: string[] = [];
    for (const request of bed.openai.requests as RecordedRequest[]) {
      const model = (request.body as { model?: string }).model;
      if (request.path === '/v1/chat/completions') {
        expect(request.reportedUsage, 'every chat answer in this session reported its usage').toBeDefined();
        bill(model!, usageFromCompletion(request.reportedUsage as CompletionUsage));
      } else if (request.path === '/v1/audio/transcriptions') {
        const usage = request.reportedUsage as Transcription['usage'];
        const transcribeModel = String((request.body as { fields: { model: string } }).fields.model);
        bill(transcribeModel, usageFromTranscription(transcribeModel, usage, 0, '').tokens);
      } else if (request.path === '/v1/audio/speech' && request.status === 200) {
        speechInputs.push((request.body as { input: string }).input);
        bill(model!, estimateSpeechUsage(speechInputs.at(-1)!, speechBytes[speechInputs.length - 1]!));
      }
    }
    expect(speechInputs).toHaveLength(2);
    // The recording, and three of the four spoken turns (the newest stays audio).
    expect(bed.openai.requests.filter((r) => r.path === '/v1/audio/transcriptions')).toHaveLength(4);

    const recorded = await store.usageSummary(bed.ids.guild, 0);
    expect(recorded.turns).toBe(calls);
    expect(recorded.tokens).toEqual(expectedTokens);
    expect(recorded.costUsd).toBeCloseTo(expectedUsd, 12);

    // The metric and /usage read the same records.
    const metric = /^parley_spend_usd_total (\S+)$/m.exec((await bed.bot.ctx.metrics.render()));
    expect(Number(metric![1])).toBeCloseTo(expectedUsd, 9);
    const usage = await bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'usage' }).waitFor((r) => r.kind === 'edit');
    const dollars = expectedUsd < 0.01 ? `$${expectedUsd.toFixed(4)}` : `$${expectedUsd.toFixed(2)}`;
    expect(String(usage.body.content)).toContain(`**Today (UTC)**: ${dollars} over ${calls} model calls`);
  });
});
