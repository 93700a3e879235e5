/**
 * Time to first audio of a 10 s answer, streamed (the bot plays chunks as they arrive) versus buffered
 * (a model that refuses `stream: true`, so the bot falls back to one whole answer). Both are timed from
 * the accepted chat request at the fake OpenAI to the first answer packet at the fake voice server.
 */
import type { TestBed } from '../test/support/test-bed.ts';
import { CHAT_PATH, answerAudio24kMono, chatRequestCount, firstSpeechPacketAfter, nextChatRequest, scriptedAnswer } from './scripted-model.ts';
import { Budget, pollUntil } from './timing.ts';

/** The gpt-audio variant the fake refuses to stream (its `nonStreamingModels` default). */
export const NON_STREAMING_MODEL = 'gpt-audio-mini';
export const LONG_ANSWER_MS = 10_000;

export type DeliveryMode = 'streamed' | 'buffered';

export interface FirstAudioSamples {
  firstAudioMs: Record<DeliveryMode, number[]>;
  /** Streamed: the fake's own part, request -> first chunk sent (the scripted delay plus reading, validating, building). */
  fakeFirstChunkMs: number[];
  /** Checks that "buffered" really was the whole-answer fallback. */
  checks: {
    /** The fake answered the bot's first `stream: true` request for the non-streaming model with a 400. */
    streamingRefused: boolean | null;
    /** Every timed buffered request asked for a whole answer (`stream` not true). */
    bufferedRequestsNotStreamed: boolean | null;
    /** Every buffered answer's first packet came after the fake had sent the whole response. */
    firstPacketAfterWholeAnswer: boolean | null;
  };
  errors: string[];
}

export function emptyFirstAudioSamples(): FirstAudioSamples {
  return {
    firstAudioMs: { streamed: [], buffered: [] },
    fakeFirstChunkMs: [],
    checks: { streamingRefused: null, bufferedRequestsNotStreamed: null, firstPacketAfterWholeAnswer: null },
    errors: [],
  };
}

const STEP_TIMEOUT_MS = 20_000;

/**
 * Times `count` 10 s answers on `bed` (whose chat model decides the mode). One short warm-up answer
 * first joins voice and, for the buffered bed, lets the bot learn that the model does not stream.
 */
export async function measureFirstAudio(bed: TestBed, mode: DeliveryMode, count: number, budgetMs: number, out: FirstAudioSamples): Promise<void> {
  const budget = new Budget(budgetMs);
  const longAnswer = answerAudio24kMono(LONG_ANSWER_MS, 301);
  try {
    await answerOnce(bed, answerAudio24kMono(200, 302), 'Warm-up question?');
    await leaveVoice(bed);
  } catch (err) {
    out.errors.push(`${mode} warm-up: ${String(err)}`);
  }
  if (mode === 'buffered') {
    out.checks.streamingRefused = bed.openai.requests.some(
      (r) => r.path === CHAT_PATH && r.status === 400 && (r.body as { stream?: boolean } | undefined)?.stream === true,
    );
  }
  for (let i = 0; i < count && budget.fits(mode === 'buffered' ? 8_000 : 3_000); i++) {
    try {
      const { request, firstPacketAt } = await answerOnce(bed, longAnswer, `Tell me a long story, part ${i}.`);
      out.firstAudioMs[mode].push(firstPacketAt - request.at);
      const firstChunkAt = request.chunkSentAt[0];
      if (mode === 'streamed' && firstChunkAt !== undefined) out.fakeFirstChunkMs.push(firstChunkAt - request.at);
      if (mode === 'buffered') {
        const notStreamed = (request.body as { stream?: boolean }).stream !== true;
        const afterWhole = request.endedAt !== undefined && firstPacketAt >= request.endedAt;
        out.checks.bufferedRequestsNotStreamed = (out.checks.bufferedRequestsNotStreamed ?? true) && notStreamed;
        out.checks.firstPacketAfterWholeAnswer = (out.checks.firstPacketAfterWholeAnswer ?? true) && afterWhole;
      }
      // Only the first packet matters: leaving stops the other 10 s of playback.
      await leaveVoice(bed);
    } catch (err) {
      out.errors.push(`${mode} sample ${i}: ${String(err)}`);
      await leaveVoice(bed).catch(() => undefined);
    }
  }
}

async function answerOnce(bed: TestBed, answer: Int16Array, prompt: string) {
  const capture = bed.discord.capture(bed.ids.guild);
  const seen = chatRequestCount(bed.openai);
  bed.openai.scriptChat(scriptedAnswer(answer));
  bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'ask', options: { prompt } });
  const request = await nextChatRequest(bed.openai, seen, STEP_TIMEOUT_MS);
  const packet = await pollUntil(() => firstSpeechPacketAfter(capture, request.at), STEP_TIMEOUT_MS, 'the first answer packet');
  return { request, firstPacketAt: packet.at };
}

/** /leave, then wait until the bot is out of voice and the stopped turn has finished (stored as interrupted). */
async function leaveVoice(bed: TestBed): Promise<void> {
  bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'leave' });
  await bed.discord.waitForBotVoice(bed.ids.guild, null, STEP_TIMEOUT_MS);
  await pollUntil(() => bed.bot.ctx.turns.pending(bed.ids.voice) === 0, STEP_TIMEOUT_MS, 'the stopped turn to finish', 20);
}
