/**
 * `preview:true`: the announcement voiced exactly as it would be played, but returned as an Ogg Opus
 * file for the moderator alone instead of going into a channel.
 */
import type { AppContext } from '../app-context.ts';
import { SPEECH_INPUT_MAX_CHARS } from '../ai/speech.ts';
import { OPENAI_PCM_RATE } from '../audio/format.ts';
import { UserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { toAnnouncementError } from './announce.ts';
import { billedPart } from './billing.ts';
import { voiceInOrder } from './part-pipeline.ts';
import { splitText } from './split-text.ts';
import type { VoiceSettings } from './voicing.ts';

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
      billedPart(ctx, parts, settings, who),
      (pcm16) => chunks.push(Buffer.from(pcm16)),
      { signal: ctx.shutdown },
    );
  } catch (err) {
    throw toAnnouncementError(err, log);
  }
  const pcm16 = Buffer.concat(chunks);
  const samples = pcm16.length >> 1;
  if (samples === 0) throw new UserError('OpenAI sent no audio for that announcement. Please try again.');
  return {
    ogg: await ctx.audioJobs.encodeOggOpus24kMono(pcm16),
    durationMs: Math.round((samples * 1000) / OPENAI_PCM_RATE),
    backend: [...new Set(result.outcomes.map((o) => o.backend))].join('+') || 'unknown',
    cutReason: result.cutReason,
  };
}
