/**
 * Keeps spoken history affordable: the newest `audioTurnsKept` spoken turns of a channel stay audio;
 * older ones are transcribed in the background (after the answer, so it adds no latency) and their
 * audio dropped. Without a transcription model, or when it fails, the audio stays until the token
 * budget trims the turn away.
 */
import { toFile } from 'openai';
import type { AppContext } from '../app-context.ts';
import { isModelGone, isModelNotFoundError, reportModelGone } from '../ai/dead-models.ts';
import type { UserTurn } from '../conversation/types.ts';

/** Transcribes and drops the audio of the channel's spoken turns beyond the newest few. */
export async function forgetOldVoiceAudio(ctx: AppContext, channelId: string): Promise<void> {
  const { config, store, openai } = ctx;
  if (!config.transcribeModel || isModelGone(config.transcribeModel)) return;
  const spoken = (await store.history(channelId)).filter((t): t is UserTurn => t.kind === 'user' && t.audio !== undefined);
  const old = spoken.slice(0, Math.max(0, spoken.length - config.audioTurnsKept));
  for (const turn of old) {
    const log = ctx.log.child({ turnId: turn.id, conversation: channelId });
    try {
      let text = turn.transcript;
      if (!text) {
        const file = await toFile(turn.audio!.data, `turn.${turn.audio!.format}`);
        const result = await openai.audio.transcriptions.create({ file, model: config.transcribeModel });
        text = result.text.trim();
      }
      await store.setUserTranscript(turn.id, text || '(inaudible)');
      await store.dropUserAudio(turn.id);
      log.debug('spoken turn kept as text');
    } catch (err) {
      if (isModelNotFoundError(err)) {
        reportModelGone(ctx.log, 'PARLEY_TRANSCRIBE_MODEL', config.transcribeModel, 'older voice turns stay audio until the history budget drops them; set it to gpt-transcribe');
        return;
      }
      log.warn('transcription failed; keeping the audio', { err: err as Error });
      return;
    }
  }
}
