/**
 * Utterance segmentation for one speaker: 20 ms frames in (24 kHz mono, as decoded from Discord),
 * utterances out. A turn ends after `silenceMs` without speech; utterances with less than
 * `minSpeechMs` of speech are dropped (coughs, clicks); one longer than `maxUtteranceMs` is cut and
 * sent, and the speaker's next words start a new one.
 *
 * Time comes from the caller (packet arrival), so this is a pure state machine: the caller also calls
 * `checkSilence(now)` from a timer, because a speaker who stops talking stops sending packets.
 */
import { FRAME_MS, FRAME_SAMPLES_24K_MONO } from '../audio/format.ts';

export interface SegmenterOptions {
  silenceMs: number;
  minSpeechMs: number;
  maxUtteranceMs: number;
  /** Frames quieter than this RMS (int16 units) count as silence; ~100 is -50 dBFS. */
  speechRms?: number;
}

export interface Utterance {
  /** 24 kHz mono, from the first to the last speech frame (pauses inside kept). */
  pcm24kMono: Int16Array;
  durationMs: number;
  speechMs: number;
  /** Arrival time of the last speech frame. */
  lastSpeechAt: number;
  reason: 'silence' | 'max-length';
}

const DEFAULT_SPEECH_RMS = 100;
/** Longest gap in packets that is filled with silence inside an utterance. */
const GAP_FILL_LIMIT_MS = 1_000;
/**
 * Packets of a speaker who is talking arrive every 20 ms give or take network jitter and event-loop
 * stalls, sometimes in bursts; a gap shorter than this is jitter (the packets are late, not missing)
 * unless the speaker had sent a silence frame, which clients do before they stop sending.
 */
const JITTER_TOLERANCE_MS = 200;

export class UtteranceSegmenter {
  private frames: Int16Array[] = [];
  /** Frames up to and including the last speech frame; later ones are trailing silence. */
  private framesThroughSpeech = 0;
  private speechMs = 0;
  private lastFrameAt = 0;
  private lastFrameSilent = false;
  private lastSpeechAt = 0;
  private readonly options: Required<SegmenterOptions>;
  private readonly emit: (utterance: Utterance) => void;

  constructor(options: SegmenterOptions, emit: (utterance: Utterance) => void) {
    this.options = { speechRms: DEFAULT_SPEECH_RMS, ...options };
    this.emit = emit;
  }

  /** Whether an utterance is in progress. */
  get active(): boolean {
    return this.frames.length > 0;
  }

  /** Speech heard so far in the utterance in progress (barge-in uses it). */
  get currentSpeechMs(): number {
    return this.speechMs;
  }

  /** When the utterance in progress ends if no more speech comes; undefined when idle. */
  get silenceDeadline(): number | undefined {
    return this.active ? this.lastSpeechAt + this.options.silenceMs : undefined;
  }

  /** One decoded 20 ms frame (480 samples), or null for a silence packet. */
  pushFrame(frame: Int16Array | null, at: number): void {
    const speech = frame !== null && rms(frame) >= this.options.speechRms;
    if (!this.active) {
      if (!speech) return;
    } else {
      this.checkSilence(at);
      if (this.active) this.fillGap(at);
    }
    if (!this.active && !speech) return;
    this.frames.push(frame ?? new Int16Array(FRAME_SAMPLES_24K_MONO));
    this.lastFrameAt = at;
    this.lastFrameSilent = frame === null;
    if (speech) {
      this.framesThroughSpeech = this.frames.length;
      this.speechMs += FRAME_MS;
      this.lastSpeechAt = at;
    }
    if (this.frames.length * FRAME_MS >= this.options.maxUtteranceMs) this.finish('max-length');
  }

  /** When the speaker has been silent for `ms`, the utterance in progress; undefined when idle. */
  silentSince(ms: number): number | undefined {
    return this.active ? this.lastSpeechAt + ms : undefined;
  }

  /**
   * The utterance in progress as it would be sent now, without ending it (a speculative start); undefined
   * when idle or with too little speech. Trailing silence is not part of it, so while no more speech comes
   * it is the same audio the utterance ends with.
   */
  snapshot(): Utterance | undefined {
    if (!this.active || this.speechMs < this.options.minSpeechMs) return undefined;
    return this.build('silence');
  }

  /** Ends the utterance if the speaker has been silent for `silenceMs` by `now`. */
  checkSilence(now: number): void {
    if (this.active && now - this.lastSpeechAt >= this.options.silenceMs) this.finish('silence');
  }

  /** Drops the utterance in progress (the speaker left, listening stopped). */
  discard(): void {
    this.reset();
  }

  /** Packets stop during short pauses; the pause belongs in the audio, so it is filled with silence. */
  private fillGap(at: number): void {
    const gap = at - this.lastFrameAt;
    if (gap < JITTER_TOLERANCE_MS && !this.lastFrameSilent) return;
    const missing = Math.floor((Math.min(at - this.lastFrameAt, GAP_FILL_LIMIT_MS) - FRAME_MS / 2) / FRAME_MS);
    for (let i = 0; i < missing; i++) this.frames.push(new Int16Array(FRAME_SAMPLES_24K_MONO));
  }

  private finish(reason: Utterance['reason']): void {
    const utterance = this.speechMs >= this.options.minSpeechMs ? this.build(reason) : undefined;
    this.reset();
    if (utterance) this.emit(utterance);
  }

  private build(reason: Utterance['reason']): Utterance {
    const kept = this.frames.slice(0, this.framesThroughSpeech);
    const pcm = new Int16Array(kept.length * FRAME_SAMPLES_24K_MONO);
    kept.forEach((frame, i) => pcm.set(frame.subarray(0, FRAME_SAMPLES_24K_MONO), i * FRAME_SAMPLES_24K_MONO));
    return { pcm24kMono: pcm, durationMs: kept.length * FRAME_MS, speechMs: this.speechMs, lastSpeechAt: this.lastSpeechAt, reason };
  }

  private reset(): void {
    this.frames = [];
    this.framesThroughSpeech = 0;
    this.speechMs = 0;
  }
}

function rms(frame: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) sum += frame[i]! * frame[i]!;
  return Math.sqrt(sum / Math.max(1, frame.length));
}
