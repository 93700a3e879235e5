/**
 * `preview:true`: the announcement voiced exactly as it would be played, but returned as an Ogg Opus
 * file for the moderator alone instead of going into a channel.
 */
import type { AppContext } from '../app-context.ts';
import { SPEECH_INPUT_MAX_CHARS } from '../ai/speech.ts';
import { bufferToInt16, OPENAI_PCM_RATE } from '../audio/format.ts';
import { encodeOggOpus } from '../audio/ogg-opus.ts';
import { UserError } from '../discord/errors.ts';
import type { Logger } from '../log.ts';
import { recordPartUsage, toAnnouncementError } from './announce.ts';
import { voiceInOrder } from './part-pipeline.ts';
import { splitText } from './split-text.ts';
import { voiceText, type VoiceSettings } from './voicing.ts';

export const PREVIEW_FILE_NAME = 'announcement-preview.ogg';

export interface Preview {
  /** Ogg Opus, 24 kHz mono input. */
  ogg: Buffer;
  durationMs: number;
  backend: string;
  /** Set when the audio is incomplete (a stream broke, or a later part failed). */
  cutReason?: string;
}

/** Voices `text` completely and encodes it; throws a UserError when nothing could be voiced. */
export async function renderPreview(ctx: AppContext, text: string, settings: VoiceSettings, who: { guildId: string; userId: string }, log: Logger): Promise<Preview> {
  const parts = splitText(text, SPEECH_INPUT_MAX_CHARS);
  const chunks: Buffer[] = [];
  let result;
  try {
    result = await voiceInOrder(
      parts.length,
      (index, onAudio, signal) => voiceText(ctx, parts[index]!, settings, onAudio, signal),
      (pcm16) => chunks.push(Buffer.from(pcm16)),
      { signal: ctx.shutdown },
    );
  } catch (err) {
    throw toAnnouncementError(err, log);
  }
  await recordPartUsage(ctx, result.outcomes, who);
  const samples = bufferToInt16(Buffer.concat(chunks));
  if (samples.length === 0) throw new UserError('OpenAI sent no audio for that announcement. Please try again.');
  return {
    ogg: encodeOggOpus(samples, OPENAI_PCM_RATE, 1),
    durationMs: Math.round((samples.length * 1000) / OPENAI_PCM_RATE),
    backend: [...new Set(result.outcomes.map((o) => o.backend))].join('+') || 'unknown',
    cutReason: result.cutReason,
  };
}
