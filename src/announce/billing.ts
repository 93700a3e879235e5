/**
 * Every voiced part of an announcement is billed to the moderator who made it, when the part settles:
 * with the usage its backend reported, or an estimate from the text and the audio received when it
 * reported none or stopped early (cut, cancelled, shut down). Parts fetched ahead and never played
 * are billed too: OpenAI charged for them.
 */
import type { TokenUsage } from '../conversation/types.ts';
import type { Store } from '../conversation/store.ts';
import { AUDIO_OUTPUT_TOKENS_PER_SECOND } from '../cost/estimate-usage.ts';
import { estimateCostUsd } from '../cost/prices.ts';
import type { VoicePart } from './part-pipeline.ts';
import { availableBackends, estimateSpeechUsage, voiceText, type VoiceSettings, type VoicingContext } from './voicing.ts';

/** Who pays for an announcement, and where it was made. */
export interface Payer {
  guildId: string;
  channelId?: string;
  userId: string;
}

const CHARS_PER_TEXT_TOKEN = 4;
const PCM16_24K_BYTES_PER_SECOND = 48_000;

/** Voices part `index` of `parts` and records what it cost, whatever way the part ends. */
export function billedPart(ctx: VoicingContext & { store: Store }, parts: readonly string[], settings: VoiceSettings, payer: Payer): VoicePart {
  return async (index, onAudio, signal) => {
    const text = parts[index]!;
    let bytes = 0;
    const counted = (pcm16: Buffer) => {
      bytes += pcm16.length;
      onAudio(pcm16);
    };
    try {
      const outcome = await voiceText(ctx, text, settings, counted, signal);
      // Attempts that strayed and were retried were billed by OpenAI too.
      for (const attempt of outcome.spent ?? []) await record(ctx, payer, attempt.model, attempt.usage, false);
      const model = outcome.model ?? currentModel(ctx);
      if (outcome.usage) await record(ctx, payer, model, outcome.usage, false);
      else await record(ctx, payer, model, estimateUsage(ctx, model, text, bytes), true);
      return outcome;
    } catch (err) {
      // Stopped after audio arrived (cancelled, shut down): that audio was generated and billed.
      if (bytes > 0) {
        const model = currentModel(ctx);
        await record(ctx, payer, model, estimateUsage(ctx, model, text, bytes), true);
      }
      throw err;
    }
  };
}

/** The model of the backend announcements use now. */
function currentModel(ctx: VoicingContext): string {
  return availableBackends(ctx)[0]?.model ?? ctx.config.chatModel;
}

/** The speech endpoint's own estimate; a model reading aloud bills its output audio like speech in an answer. */
function estimateUsage(ctx: VoicingContext, model: string, text: string, bytes: number): TokenUsage {
  if (model === ctx.config.speechModel) return estimateSpeechUsage(text, bytes);
  return {
    textIn: Math.ceil(text.length / CHARS_PER_TEXT_TOKEN),
    audioIn: 0,
    cachedIn: 0,
    textOut: 0,
    audioOut: Math.ceil((bytes / PCM16_24K_BYTES_PER_SECOND) * AUDIO_OUTPUT_TOKENS_PER_SECOND),
  };
}

async function record(ctx: VoicingContext & { store: Store }, payer: Payer, model: string, tokens: TokenUsage, estimated: boolean): Promise<void> {
  try {
    await ctx.store.recordUsage({ ...payer, model, tokens, costUsd: estimateCostUsd(model, tokens, ctx.config.prices), estimated });
  } catch (err) {
    // A closed store (shutdown) must not turn a played announcement into a failure.
    ctx.log.warn('could not record announcement usage', { err: err as Error });
  }
}
