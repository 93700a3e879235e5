/**
 * Listens to one member for the whole voice session: ONE receive subscription (re-subscribing per
 * utterance loses the first words), opus decode, segmentation into utterances. A packet that fails
 * to decode costs that packet, not the utterance.
 */
import { EndBehaviorType, type VoiceReceiver } from '@discordjs/voice';
import type { Readable } from 'node:stream';
import { OpusFrameDecoder } from '../audio/opus-frames.ts';
import { SILENCE_FRAME } from '../voice/pacer.ts';
import { UtteranceSegmenter, type SegmenterOptions, type Utterance } from './segmenter.ts';

export interface MemberListenerEvents {
  utterance(utterance: Utterance): void;
  /** Speech so far in the utterance in progress, after every speech frame (for barge-in). */
  speech(speechMs: number): void;
  /**
   * The speaker has been silent for the early window: the utterance so far, which a speculative answer
   * may start on. Followed by `utterance` (the same audio) or by `resumed`.
   */
  tentative?(utterance: Utterance): void;
  /** The speaker spoke again after `tentative`: that utterance goes on. */
  resumed?(): void;
}

/** A gap in packets this long after the last speech counts as a pause even without a silent frame. */
export const EARLY_START_WITHOUT_SILENCE_MS = 200;

export interface ListenerOptions extends SegmenterOptions {
  /** Silence after which `tentative` fires; undefined or >= silenceMs: never. */
  earlyStartMs?: number;
}

export class MemberListener {
  readonly userId: string;
  /** Packets that did not decode (counted, skipped). */
  corruptPackets = 0;
  private stream: Readable;
  private readonly receiver: VoiceReceiver;
  private readonly decoder = new OpusFrameDecoder();
  private readonly segmenter: UtteranceSegmenter;
  private readonly events: MemberListenerEvents;
  private silenceTimer: NodeJS.Timeout | undefined;
  private earlyTimer: NodeJS.Timeout | undefined;
  /** `tentative` fired for the utterance in progress. */
  private tentativeSent = false;
  /**
   * A silent frame (a silence packet or a quiet one) arrived after the last speech frame. Without one, a
   * gap in packets is more likely jitter than a pause (see the segmenter), so the early start waits for
   * `EARLY_START_WITHOUT_SILENCE_MS` instead.
   */
  private silenceSeen = false;
  private readonly earlyStartMs: number | undefined;
  private stopped = false;

  constructor(receiver: VoiceReceiver, userId: string, options: ListenerOptions, events: MemberListenerEvents) {
    this.userId = userId;
    this.events = events;
    this.receiver = receiver;
    const { earlyStartMs, ...segmenterOptions } = options;
    this.earlyStartMs = earlyStartMs !== undefined && earlyStartMs < options.silenceMs ? earlyStartMs : undefined;
    this.segmenter = new UtteranceSegmenter(segmenterOptions, (u) => {
      this.tentativeSent = false;
      events.utterance(u);
    });
    this.stream = this.subscribe();
  }

  /**
   * Manual end: the stream lives as long as the session; segmentation is Parley's, not the library's.
   * The library destroys a member's stream when their packets stop decrypting; listening goes on with
   * a new subscription rather than silently ending.
   */
  private subscribe(): Readable {
    const stream = this.receiver.subscribe(this.userId, { end: { behavior: EndBehaviorType.Manual } });
    stream.on('data', (packet: Buffer) => this.onPacket(packet));
    stream.on('error', () => stream.destroy());
    stream.once('close', () => {
      if (!this.stopped) this.stream = this.subscribe();
    });
    return stream;
  }

  /** Stops listening and drops any unfinished utterance. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.silenceTimer);
    clearTimeout(this.earlyTimer);
    if (this.tentativeSent) this.events.resumed?.();
    this.tentativeSent = false;
    this.segmenter.discard();
    this.stream.destroy();
  }

  private onPacket(packet: Buffer): void {
    if (this.stopped) return;
    const now = performance.now();
    let frame: Int16Array | null = null;
    if (!packet.equals(SILENCE_FRAME)) {
      frame = this.decoder.decode(packet);
      if (frame === null) {
        this.corruptPackets++;
        return;
      }
    }
    const before = this.segmenter.currentSpeechMs;
    this.segmenter.pushFrame(frame, now);
    const speechMs = this.segmenter.currentSpeechMs;
    if (speechMs > before) {
      this.silenceSeen = false;
      if (this.tentativeSent) {
        this.tentativeSent = false;
        this.events.resumed?.();
      }
      this.events.speech(speechMs);
      this.armEarlyTimer();
    } else {
      this.silenceSeen = true;
      this.maybeStartEarly();
    }
    this.armSilenceTimer();
  }

  /**
   * Checks for the early start once the early window has passed since the last speech, and again when
   * packets have stayed away long enough to be a pause rather than jitter.
   */
  private armEarlyTimer(): void {
    clearTimeout(this.earlyTimer);
    if (this.earlyStartMs === undefined || !this.events.tentative) return;
    const early = this.segmenter.silentSince(this.earlyStartMs);
    const late = this.segmenter.silentSince(Math.max(this.earlyStartMs, EARLY_START_WITHOUT_SILENCE_MS));
    if (early === undefined || late === undefined) return;
    const check = (at: number, next?: number) => {
      this.earlyTimer = setTimeout(() => {
        this.maybeStartEarly(at === late);
        if (next !== undefined && !this.tentativeSent) check(next);
      }, Math.max(1, Math.ceil(at - performance.now())));
    };
    check(early, late > early ? late : undefined);
  }

  /** Fires `tentative` when the early window has passed and silence was heard (or the gap is long). */
  private maybeStartEarly(gapIsLong = false): void {
    if (this.earlyStartMs === undefined || this.stopped || this.tentativeSent || !this.events.tentative) return;
    const due = this.segmenter.silentSince(this.earlyStartMs);
    if (due === undefined || performance.now() < due || !(this.silenceSeen || gapIsLong)) return;
    const utterance = this.segmenter.snapshot();
    if (!utterance) return;
    this.tentativeSent = true;
    this.events.tentative(utterance);
  }

  /** The speaker's client stops sending when they stop talking, so the end of a turn needs a timer. */
  private armSilenceTimer(): void {
    clearTimeout(this.silenceTimer);
    const deadline = this.segmenter.silenceDeadline;
    if (deadline === undefined) return;
    this.silenceTimer = setTimeout(() => {
      this.segmenter.checkSilence(performance.now());
      this.armSilenceTimer(); // a timer may fire a fraction of a millisecond early
    }, Math.max(1, Math.ceil(deadline - performance.now())));
  }
}
