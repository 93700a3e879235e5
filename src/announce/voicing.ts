/**
 * Voicing one part of an announcement, checked: the configured backend first (see backends.ts), its
 * reading compared word by word with the text as it streams. A reading that strays is stopped and
 * tried once more, then the next backend reads it; a backend whose model OpenAI says is gone is
 * skipped for the rest of the process (logged once, naming the setting). The last attempt available
 * plays whatever it says, with the deviation recorded.
 */
import type OpenAI from 'openai';
import { isModelGone, isModelNotFoundError, reportModelGone } from '../ai/dead-models.ts';
import type { Config } from '../config.ts';
import type { TokenUsage } from '../conversation/types.ts';
import type { Logger } from '../log.ts';
import { backendOrder, createBackend, type AttemptSink, type Backend, type VoiceSettings } from './backends.ts';
import type { PartOutcome } from './part-pipeline.ts';
import { checkVerbatim, VerbatimTracker, type VerbatimDeviation } from './verbatim.ts';

export type { VoiceSettings } from './backends.ts';
export { readAloudMessages, READ_ALOUD_INSTRUCTIONS, estimateSpeechUsage } from './backends.ts';

/** What voicing needs from the running bot. */
export interface VoicingContext {
  openai: OpenAI;
  config: Config;
  log: Logger;
}

/** Complete words that must check out before a checked reading is heard... */
const RELEASE_AFTER_WORDS = 3;
/** ...unless this much of its audio (pcm16 24 kHz mono, 1.5 s) is waiting: a transcript may lag. */
const MAX_HELD_BYTES = 72_000;
const HEARD_MAX_CHARS = 300;

class StrayedError extends Error {
  override name = 'StrayedError';
}

/** The backends announcements may use now, in order. */
export function availableBackends(ctx: VoicingContext): Backend[] {
  return backendOrder(ctx.config.speechBackend)
    .map((kind) => createBackend(ctx, kind))
    .filter((backend) => !isModelGone(backend.model));
}

/** Voices one part (at most 4,096 characters) into `onAudio` (pcm16 24 kHz mono). */
export async function voiceText(
  ctx: VoicingContext,
  text: string,
  settings: VoiceSettings,
  onAudio: (pcm16: Buffer) => void,
  signal: AbortSignal,
): Promise<PartOutcome> {
  const deviations: VerbatimDeviation[] = [];
  const spent: { model: string; usage: TokenUsage }[] = [];
  const backends = availableBackends(ctx);
  for (let b = 0; b < backends.length; b++) {
    const backend = backends[b]!;
    const attempts = backend.checked ? 2 : 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const last = b === backends.length - 1 && attempt === attempts;
      const gate = new CheckedAudio(text, onAudio, backend.checked && !last);
      try {
        const result = await backend.voice(text, settings, gate.sink, AbortSignal.any([signal, gate.signal]));
        const verdict = result.transcript === undefined ? undefined : checkVerbatim(text, result.transcript);
        const record = (action: VerbatimDeviation['action']) =>
          verdict && deviations.push(deviationOf(backend, attempt, verdict, result.transcript ?? '', action));
        if (verdict && !verdict.ok && gate.canDiscard && !result.cutReason) {
          record(attempt < attempts ? 'retried' : 'next backend');
          if (result.usage) spent.push({ model: backend.model, usage: result.usage });
          ctx.log.warn('announcement reading strayed from the text', { backend: backend.kind, attempt, errors: verdict.errors, allowed: verdict.allowed });
          continue;
        }
        if (verdict && !verdict.ok) {
          record('played');
          ctx.log.warn('announcement reading strayed from the text; played as it was', { backend: backend.kind, attempt, errors: verdict.errors });
        }
        if (result.cutReason) ctx.log.warn('announcement reading cut', { backend: backend.kind, cutReason: result.cutReason, detail: result.cutDetail });
        gate.flush();
        return {
          backend: `${backend.kind}:${backend.model}`,
          model: backend.model,
          cutReason: result.cutReason,
          usage: result.usage,
          ...(spent.length > 0 ? { spent } : {}),
          ...(deviations.length > 0 ? { deviations } : {}),
        };
      } catch (err) {
        if (signal.aborted) throw signal.reason ?? err;
        if (gate.signal.aborted) {
          const verdict = checkVerbatim(text, gate.transcript);
          deviations.push(deviationOf(backend, attempt, verdict, gate.transcript, attempt < attempts ? 'retried' : 'next backend'));
          if (gate.cancelledUsage) spent.push({ model: backend.model, usage: gate.cancelledUsage });
          ctx.log.warn('announcement reading strayed from the text; stopped it', { backend: backend.kind, attempt, heardBytes: gate.releasedBytes });
          continue;
        }
        if (isModelNotFoundError(err) && b < backends.length - 1) {
          reportModelGone(ctx.log, backend.setting, backend.model, `announcements use ${backends[b + 1]!.kind} (${backends[b + 1]!.model}) instead`);
          break;
        }
        if (isModelNotFoundError(err)) reportModelGone(ctx.log, backend.setting, backend.model, 'no announcement backend is left');
        throw err;
      }
    }
  }
  throw new Error('no announcement backend is available');
}

function deviationOf(backend: Backend, attempt: number, verdict: { errors: number; allowed: number }, heard: string, action: VerbatimDeviation['action']): VerbatimDeviation {
  return { backend: `${backend.kind}:${backend.model}`, attempt, errors: verdict.errors, allowed: verdict.allowed, heard: heard.slice(0, HEARD_MAX_CHARS), action };
}

/**
 * One attempt's audio on its way to the listeners. While nothing has been heard yet it is held until
 * the first words of the transcript check out, so a reading that strays at once is never heard;
 * afterwards it passes straight through. A stray stops the attempt (when `enforce`) through `signal`.
 */
class CheckedAudio {
  private readonly tracker: VerbatimTracker;
  private readonly controller = new AbortController();
  private held: Buffer[] = [];
  private heldBytes = 0;
  private released = false;
  releasedBytes = 0;
  /** Reported by the backend for this attempt once it was stopped. */
  cancelledUsage: TokenUsage | undefined;
  readonly sink: AttemptSink;
  private readonly onAudio: (pcm16: Buffer) => void;
  private readonly enforce: boolean;

  constructor(text: string, onAudio: (pcm16: Buffer) => void, enforce: boolean) {
    this.onAudio = onAudio;
    this.enforce = enforce;
    this.tracker = new VerbatimTracker(text);
    this.released = !enforce;
    this.sink = {
      audio: (pcm16) => this.audio(pcm16),
      transcript: (delta) => this.transcriptDelta(delta),
      cancelledUsage: (usage) => (this.cancelledUsage = usage),
    };
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get transcript(): string {
    return this.tracker.transcript;
  }

  /** Nothing of this attempt has been heard, so it can still be replaced. */
  get canDiscard(): boolean {
    return this.enforce && this.releasedBytes === 0;
  }

  /** Lets everything held be heard (the attempt ended and is accepted). */
  flush(): void {
    this.released = true;
    for (const chunk of this.held) this.deliver(chunk);
    this.held = [];
  }

  private audio(pcm16: Buffer): void {
    if (this.controller.signal.aborted) return;
    if (this.released) return this.deliver(pcm16);
    this.held.push(pcm16);
    this.heldBytes += pcm16.length;
    if (this.heldBytes >= MAX_HELD_BYTES) this.flush();
  }

  private transcriptDelta(delta: string): void {
    if (this.controller.signal.aborted) return;
    const consistent = this.tracker.push(delta);
    // Once some of it was heard, stopping would only make listeners hear the start twice.
    if (!consistent && this.enforce && !this.released) {
      this.controller.abort(new StrayedError('the reading strayed from the text'));
      return;
    }
    if (!this.released && this.tracker.checkedWords >= RELEASE_AFTER_WORDS) this.flush();
  }

  private deliver(pcm16: Buffer): void {
    this.releasedBytes += pcm16.length;
    this.onAudio(pcm16);
  }
}
