/**
 * One piece of audio for the pacer (an answer, an announcement part), filled while it is being
 * produced with opus packets or with 20 ms PCM frames that are encoded only when sent: the codec's cost
 * then spreads evenly over the pacer's ticks instead of arriving in bursts with the model's chunks, and
 * audio cut by barge-in is never encoded. It records how much was actually played, so an interrupted
 * answer can be stored as what the listeners heard.
 */
import { FRAME_MS, MONO_24K } from '../audio/format.ts';
import { OpusFrameEncoder } from '../audio/opus-frames.ts';

/** An opus packet, or a 20 ms frame of 24 kHz mono PCM to encode when it is sent. */
export type TrackItem = Buffer | Int16Array;

export const PRIORITY_ANSWER = 0;
export const PRIORITY_ANNOUNCEMENT = 10;

export type TrackOutcome = 'played' | 'cancelled';

export class OpusTrack {
  private readonly packets: TrackItem[] = [];
  private encoder: OpusFrameEncoder | undefined;
  private head = 0;
  private notify: (() => void) | undefined;
  private settle!: (outcome: TrackOutcome) => void;
  /** Resolves once every packet was played, or when the track is cancelled. */
  readonly done: Promise<TrackOutcome>;
  ended = false;
  cancelled = false;
  /** Packets of this track sent to the channel. */
  playedFrames = 0;
  /** Ticks on which the track was playing but had nothing ready (the producer was late). */
  underflowFrames = 0;
  /** performance.now() of the first packet sent, for latency figures. */
  firstPlayedAt: number | undefined;

  readonly priority: number;

  constructor(priority: number = PRIORITY_ANSWER) {
    this.priority = priority;
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  /** Milliseconds of this track that were played. */
  get playedMs(): number {
    return this.playedFrames * FRAME_MS;
  }

  /** Milliseconds of audio pushed so far. */
  get producedMs(): number {
    return this.packets.length * FRAME_MS;
  }

  push(...packets: TrackItem[]): void {
    if (this.ended || this.cancelled || packets.length === 0) return;
    this.packets.push(...packets);
    this.notify?.();
  }

  /** No more packets will come; the track finishes when the queued ones are played. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.notify?.();
  }

  /** Stops the track at once; what was played so far stays counted. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.ended = true;
    this.packets.length = 0;
    this.head = 0;
    this.settle('cancelled');
  }

  /** @internal the pacer's hook to be woken when packets arrive. */
  attach(notify: () => void): void {
    this.notify = notify;
  }

  /** @internal */
  take(): Buffer | undefined {
    if (this.head >= this.packets.length) return undefined;
    const item = this.packets[this.head]!;
    // Keep the array for producedMs, but release the audio.
    this.packets[this.head++] = EMPTY;
    this.playedFrames++;
    this.firstPlayedAt ??= performance.now();
    if (Buffer.isBuffer(item)) return item;
    // One encoder per track keeps the codec's state continuous across the answer's frames.
    this.encoder ??= new OpusFrameEncoder(MONO_24K);
    return this.encoder.encodeFrame(item);
  }

  /** @internal */
  underflow(): void {
    this.underflowFrames++;
  }

  /** @internal */
  markPlayed(): void {
    this.settle('played');
  }
}

const EMPTY = Buffer.alloc(0);
