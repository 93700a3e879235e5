/**
 * Listens to one member for the whole voice session: ONE receive subscription (re-subscribing per
 * utterance loses the first words), opus decode (in the codec threads, straight to 24 kHz mono),
 * segmentation into utterances. A packet that fails to decode costs that packet, not the utterance.
 * Frames reach the segmenter in arrival order, each with its arrival time.
 */
import { EndBehaviorType, type VoiceReceiver } from '@discordjs/voice';
import type { Readable } from 'node:stream';
import { codecPool, type StreamDecoder } from '../audio/codec-pool.ts';
import { SILENCE_FRAME } from '../voice/pacer.ts';
import { UtteranceSegmenter, type SegmenterOptions, type Utterance } from './segmenter.ts';

export interface MemberListenerEvents {
  utterance(utterance: Utterance): void;
  /** Speech so far in the utterance in progress, after every speech frame (for barge-in). */
  speech(speechMs: number): void;
}

export class MemberListener {
  readonly userId: string;
  /** Packets that did not decode (counted, skipped). */
  corruptPackets = 0;
  private stream: Readable;
  private readonly receiver: VoiceReceiver;
  private readonly decoder: StreamDecoder;
  /** Decoded frames are handed on in this chain, so a silence frame never overtakes speech. */
  private frames: Promise<void> = Promise.resolve();
  private decoding = 0;
  private readonly segmenter: UtteranceSegmenter;
  private readonly events: MemberListenerEvents;
  private silenceTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** `decoder` turns this member's packets into 24 kHz mono frames, in order (the codec threads by default). */
  constructor(receiver: VoiceReceiver, userId: string, options: SegmenterOptions, events: MemberListenerEvents, decoder: StreamDecoder = codecPool().openDecoder()) {
    this.userId = userId;
    this.decoder = decoder;
    this.events = events;
    this.receiver = receiver;
    this.segmenter = new UtteranceSegmenter(options, (u) => events.utterance(u));
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
    this.segmenter.discard();
    this.stream.destroy();
    this.decoder.close();
  }

  private onPacket(packet: Buffer): void {
    if (this.stopped) return;
    const now = performance.now();
    const silent = packet.equals(SILENCE_FRAME);
    const decoded = silent ? Promise.resolve(null) : this.decoder.decode(packet).catch(() => null);
    this.decoding++;
    this.frames = this.frames
      .then(() => decoded)
      .then((frame) => {
        this.decoding--;
        if (silent || frame !== null) this.onFrame(frame, now);
        else this.corruptPackets++;
      });
  }

  private onFrame(frame: Int16Array | null, now: number): void {
    if (this.stopped) return;
    const before = this.segmenter.currentSpeechMs;
    this.segmenter.pushFrame(frame, now);
    const speechMs = this.segmenter.currentSpeechMs;
    if (speechMs > before) this.events.speech(speechMs);
    this.armSilenceTimer();
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
