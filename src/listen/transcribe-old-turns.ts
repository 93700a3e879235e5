/**
 * Keeps history affordable: the newest `audioTurnsKept` spoken turns of a channel stay audio; older
 * ones, and a shared recording once it was answered, are transcribed in the background (after the
 * answer, so it adds no latency) and their audio dropped. Every transcription is billed to the
 * turn's speaker like any other model call. Without a transcription model, or when it fails, the audio
 * stays until the token budget trims the turn away.
 */
import OpenAI, { toFile } from 'openai';
import { isModelGone, isModelNotFoundError, reportModelGone } from '../ai/dead-models.ts';
import { usageFromTranscription } from '../ai/usage.ts';
import type { Config } from '../config.ts';
import { ChannelLocks } from '../conversation/serialize.ts';
import type { Store } from '../conversation/store.ts';
import type { UserTurn } from '../conversation/types.ts';
import { estimateCostUsd } from '../cost/prices.ts';
import type { Logger } from '../log.ts';

/** What compaction needs from the running bot. */
export interface CompactorServices {
  config: Pick<Config, 'transcribeModel' | 'audioTurnsKept' | 'prices'>;
  store: Store;
  openai: OpenAI;
  log: Logger;
  /** Aborted at shutdown: transcriptions under way finish (shutdown waits for them), no new ones start. */
  shutdown?: AbortSignal;
}

interface Waiting {
  /** Turns to transcribe now whatever their age (shared recordings). */
  turnIds: Set<string>;
  done: Promise<void>;
}

export class HistoryCompactor {
  private readonly services: CompactorServices;
  /** One pass per channel at a time, so two passes never transcribe the same turn. */
  private readonly lanes = new ChannelLocks({ maxQueued: 1 });
  /** The pass waiting per channel: later requests join it instead of queueing another. */
  private readonly waiting = new Map<string, Waiting>();

  constructor(services: CompactorServices) {
    this.services = services;
  }

  /**
   * Transcribes, after the channel's pass under way, its spoken turns beyond the newest few and the
   * turns in `now` (answered recordings). Never rejects: failures are logged and the audio kept.
   */
  compact(channelId: string, now: readonly string[] = []): Promise<void> {
    const model = this.services.config.transcribeModel;
    if (!model || isModelGone(model) || this.services.shutdown?.aborted) return Promise.resolve();
    const joined = this.waiting.get(channelId);
    if (joined) {
      for (const id of now) joined.turnIds.add(id);
      return joined.done;
    }
    // Registered before the lane starts it: an idle lane runs the task at once, which unregisters it.
    const entry: Waiting = { turnIds: new Set(now), done: Promise.resolve() };
    this.waiting.set(channelId, entry);
    entry.done = this.lanes
      .run(channelId, async () => {
        if (this.waiting.get(channelId) === entry) this.waiting.delete(channelId);
        await this.pass(channelId, entry.turnIds);
      })
      .catch((err: unknown) => this.services.log.warn('compaction failed', { err: err as Error, conversation: channelId }));
    return entry.done;
  }

  /** True once no pass runs or waits (shutdown), false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    return this.lanes.drain(timeoutMs);
  }

  private async pass(channelId: string, now: ReadonlySet<string>): Promise<void> {
    const { config, store } = this.services;
    const withAudio = (await store.history(channelId)).filter((t): t is UserTurn => t.kind === 'user' && t.audio !== undefined);
    const old = withAudio.slice(0, Math.max(0, withAudio.length - config.audioTurnsKept));
    const due = [...old, ...withAudio.filter((t) => now.has(t.id) && !old.includes(t))];
    for (const turn of due) {
      if (this.services.shutdown?.aborted || !(await this.transcribe(turn))) return;
    }
  }

  /** Replaces the turn's audio with its transcript; false when that failed (the pass stops). */
  private async transcribe(turn: UserTurn): Promise<boolean> {
    const { config, store, openai } = this.services;
    const log = this.services.log.child({ turnId: turn.id, conversation: turn.channelId });
    try {
      let text = turn.transcript;
      if (!text) {
        const audio = turn.audio!;
        const file = await toFile(audio.data, `turn.${audio.format}`);
        const result = await openai.audio.transcriptions.create({ file, model: config.transcribeModel });
        text = result.text.trim();
        const cost = usageFromTranscription(config.transcribeModel, result.usage, audio.durationMs, result.text);
        await store.recordUsage({
          guildId: turn.guildId,
          channelId: turn.channelId,
          userId: turn.speakerId,
          turnId: turn.id,
          model: config.transcribeModel,
          tokens: cost.tokens,
          costUsd: cost.costUsd ?? estimateCostUsd(config.transcribeModel, cost.tokens, config.prices),
          estimated: cost.estimated,
        });
        if (cost.estimated) log.info('the transcription reported no usage; recorded an estimate');
      }
      await store.setUserTranscript(turn.id, text || '(inaudible)');
      await store.dropUserAudio(turn.id);
      log.debug('turn audio kept as text');
      return true;
    } catch (err) {
      if (isModelNotFoundError(err)) {
        reportModelGone(this.services.log, 'PARLEY_TRANSCRIBE_MODEL', config.transcribeModel, 'older voice turns stay audio until the history budget drops them; set it to gpt-transcribe');
        return false;
      }
      log.warn('transcription failed; keeping the audio', { err: err as Error });
      return false;
    }
  }
}
