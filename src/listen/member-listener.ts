/**
 * Listens to one member for the whole voice session: ONE receive subscription (re-subscribing per
 * utterance loses the first words), opus decode (in the codec threads, straight to 24 kHz mono),
 * segmentation into utterances. A packet that fails to decode costs that packet, not the utterance, and
 * keeps its time: lost, undecodable and still encrypted packets become 20 ms of silence in their place
 * (placed from the RTP sequence numbers), so an utterance reaches the model at its true length. Frames
 * reach the segmenter in arrival order, each with its arrival time.
 */
import { EndBehaviorType, type AudioReceiveStream, type VoiceReceiver } from '@discordjs/voice';
import { FRAME_SAMPLES_24K_MONO } from '../audio/format.ts';
import { isDaveCiphertext, SequenceGaps } from './packet-loss.ts';
import type { Readable } from 'node:stream';
import { codecPool, type StreamDecoder } from '../audio/codec-pool.ts';
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

/** Where a listener learns each packet's RTP sequence number (see src/voice/receive-tap.ts). */
export interface ReceiveTiming {
  watch(userId: string, stream: AudioReceiveStream): void;
  unwatch(userId: string): void;
  timing(packet: Buffer): { sequence: number } | undefined;
}

function silentFrame(): Int16Array {
  return new Int16Array(FRAME_SAMPLES_24K_MONO);
}

export class MemberListener {
  readonly userId: string;
  /** Packets that did not decode (silence in their place). */
  corruptPackets = 0;
  /** Packets that arrived still DAVE-encrypted (silence in their place). */
  encryptedPackets = 0;
  /** Packets that never arrived, from RTP sequence gaps (silence in their place). */
  lostPackets = 0;
  private readonly gaps = new SequenceGaps();
  private readonly timing: ReceiveTiming | undefined;
  private stream: Readable;
  private readonly receiver: VoiceReceiver;
  private readonly decoder: StreamDecoder;
  /** Decoded frames are handed on in this chain, so a silence frame never overtakes speech. */
  private frames: Promise<void> = Promise.resolve();
  private decoding = 0;
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

  /**
   * `timing` tells each packet's RTP sequence number (lost packets); `decoder` turns this member's packets
   * into 24 kHz mono frames, in order (the codec threads by default).
   */
  constructor(
    receiver: VoiceReceiver,
    userId: string,
    options: ListenerOptions,
    events: MemberListenerEvents,
    timing?: ReceiveTiming,
    decoder: StreamDecoder = codecPool().openDecoder(),
  ) {
    this.userId = userId;
    this.timing = timing;
    this.decoder = decoder;
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
    this.timing?.watch(this.userId, stream);
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
    this.timing?.unwatch(this.userId);
    this.stream.destroy();
    this.decoder.close();
  }

  private onPacket(packet: Buffer): void {
    if (this.stopped) return;
    const now = performance.now();
    const missing = this.gaps.missingBefore(this.timing?.timing(packet)?.sequence);
    this.lostPackets += missing;
    for (let i = 0; i < missing; i++) this.handOn(Promise.resolve(silentFrame()), now);
    if (packet.equals(SILENCE_FRAME)) this.handOn(Promise.resolve(null), now);
    else this.handOn(this.decodeOrSilence(packet), now);
  }

  /** 20 ms of audio for a packet: decoded, or silence in its place when it is ciphertext or corrupt. */
  private decodeOrSilence(packet: Buffer): Promise<Int16Array> {
    // Ciphertext must never reach the decoder: libopus decodes some of it into noise.
    if (isDaveCiphertext(packet)) {
      this.encryptedPackets++;
      return Promise.resolve(silentFrame());
    }
    return this.decoder.decode(packet).then(
      (frame) => frame ?? this.corrupt(),
      () => this.corrupt(),
    );
  }

  private corrupt(): Int16Array {
    this.corruptPackets++;
    return silentFrame();
  }

  /** Hands frames on in arrival order, whichever decode finishes first. */
  private handOn(decoded: Promise<Int16Array | null>, now: number): void {
    this.decoding++;
    this.frames = this.frames
      .then(() => decoded)
      .then((frame) => {
        this.decoding--;
        this.onFrame(frame, now);
      });
  }

  private onFrame(frame: Int16Array | null, now: number): void {
    if (this.stopped) return;
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
    // A frame still in the codec threads arrived before now; it calls back here (or cancels) when handed on.
    if (this.decoding > 0) return;
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
      // A frame still being decoded arrived before the deadline; it re-arms the timer when it is handed on.
      if (this.decoding > 0) return;
      this.segmenter.checkSilence(performance.now());
      this.armSilenceTimer(); // a timer may fire a fraction of a millisecond early
    }, Math.max(1, Math.ceil(deadline - performance.now())));
  }
}
