/**
 * One piece of audio for the pacer (an answer, an announcement part), filled while it is being
 * produced with opus packets or with 20 ms PCM frames. Frames are encoded in the codec threads a little
 * ahead of the pacer (never the whole answer at once: audio cut by barge-in is mostly never encoded),
 * so the main thread only sends. A frame still being encoded at its tick is late: the pacer sends a
 * silence frame in its place and plays it on the next tick, never two packets in one tick. The track
 * records how much was actually played, so an interrupted answer can be stored as what was heard.
 */
import { FRAME_MS, MONO_24K } from '../audio/format.ts';
import { codecPool, type StreamEncoder } from '../audio/codec-pool.ts';
import { OpusFrameEncoder } from '../audio/opus-frames.ts';

/** An opus packet, or a 20 ms frame of 24 kHz mono PCM to encode before it is sent. */
export type TrackItem = Buffer | Int16Array;

export const PRIORITY_ANSWER = 0;
export const PRIORITY_ANNOUNCEMENT = 10;

/** When fewer frames than this are encoded (or being encoded) ahead of the pacer, more are sent off. */
const ENCODE_LOW_WATER_FRAMES = 5;
/** How far ahead of the pacer frames are encoded: 300 ms, far more than a busy codec thread lags. */
const ENCODE_AHEAD_FRAMES = 15;
/**
 * A batch the codec threads have not returned by then is encoded here instead: a thread that is stuck or
 * lost the request must not leave the track waiting (and the pacer busy) for ever. Far above any real lag.
 */
const ENCODE_DEADLINE_MS = 1_000;

export type TrackOutcome = 'played' | 'cancelled';
/** Why the pacer gave up on a track it held: the call's encryption never became ready, or reconnecting took too long. */
export type TrackFailure = 'e2ee' | 'reconnecting';

export class OpusTrack {
  private readonly items: TrackItem[] = [];
  private head = 0;
  /** Items before this index are packets or on their way to the codec threads. */
  private submitted = 0;
  private encoder: StreamEncoder | undefined;
  /** Used only when the codec threads fail: the answer goes on, encoded here. */
  private localEncoder: OpusFrameEncoder | undefined;
  private inputEnded = false;
  private notify: (() => void) | undefined;
  private settle!: (outcome: TrackOutcome) => void;
  /** Resolves once every packet was played, or when the track is cancelled. */
  readonly done: Promise<TrackOutcome>;
  cancelled = false;
  /** Set when the pacer gave up holding this track (it is then cancelled too). */
  failure: TrackFailure | undefined;
  /** Packets of this track sent to the channel. */
  playedFrames = 0;
  /** Ticks on which the track was playing but had nothing ready (the producer or the codec was late). */
  underflowFrames = 0;
  /** performance.now() of the first packet sent, for latency figures. */
  firstPlayedAt: number | undefined;

  readonly priority: number;
  private readonly openEncoder: () => StreamEncoder;

  /** `openEncoder` gives the track its encoder on its first frame (a stream of the codec threads by default). */
  constructor(priority: number = PRIORITY_ANSWER, openEncoder: () => StreamEncoder = () => codecPool().openEncoder()) {
    this.priority = priority;
    this.openEncoder = openEncoder;
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  /** No more packets will come and every one was taken (or the track was cancelled). */
  get ended(): boolean {
    return this.cancelled || (this.inputEnded && this.head >= this.items.length);
  }

  /** Milliseconds of this track that were played. */
  get playedMs(): number {
    return this.playedFrames * FRAME_MS;
  }

  /** Milliseconds of audio pushed so far. */
  get producedMs(): number {
    return this.items.length * FRAME_MS;
  }

  push(...items: TrackItem[]): void {
    if (this.inputEnded || this.cancelled || items.length === 0) return;
    this.items.push(...items);
    this.encodeAhead();
    this.notify?.();
  }

  /** No more packets will come; the track finishes when the queued ones are played. */
  end(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    this.encodeAhead();
    this.notify?.();
  }

  /** Stops the track at once; what was played so far stays counted. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.inputEnded = true;
    this.items.length = 0;
    this.head = 0;
    this.encoder?.close();
    this.settle('cancelled');
    // The pacer may be idle with this track first in line (waiting for its first packet): it must drop it,
    // or it stays busy for good. A microtask, because a cancel can come from inside the pacer's own tick.
    queueMicrotask(() => this.notify?.());
  }

  /** @internal the pacer gave up holding the track: cancelled, with the reason kept for the reply. */
  fail(reason: TrackFailure): void {
    if (this.cancelled) return;
    this.failure = reason;
    this.cancel();
  }

  /** @internal the pacer's hook to be woken when packets arrive. */
  attach(notify: () => void): void {
    this.notify = notify;
  }

  /** @internal the next packet, or undefined when none is ready (not produced or not encoded yet). */
  take(): Buffer | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    if (!Buffer.isBuffer(item)) return undefined;
    // Keep the array for producedMs, but release the audio.
    this.items[this.head++] = EMPTY;
    this.playedFrames++;
    this.firstPlayedAt ??= performance.now();
    this.encodeAhead();
    return item;
  }

  /** @internal */
  underflow(): void {
    this.underflowFrames++;
  }

  /** @internal */
  markPlayed(): void {
    this.encoder?.close();
    this.settle('played');
  }

  /** Sends the frames within reach of the pacer to the codec threads, in batches rather than one by one. */
  private encodeAhead(): void {
    if (this.cancelled) return;
    this.submitted = Math.max(this.submitted, this.head);
    if (this.submitted - this.head >= ENCODE_LOW_WATER_FRAMES) return;
    const limit = Math.min(this.items.length, this.head + ENCODE_AHEAD_FRAMES);
    const indices: number[] = [];
    for (let i = this.submitted; i < limit; i++) if (!Buffer.isBuffer(this.items[i])) indices.push(i);
    this.submitted = limit;
    if (indices.length === 0) return;
    const frames = indices.map((i) => this.items[i] as Int16Array);
    // One encoder per track keeps the codec's state continuous across the answer's frames.
    this.encoder ??= this.openEncoder();
    const deadline = setTimeout(() => this.fill(indices, this.encodeHere(frames)), ENCODE_DEADLINE_MS);
    deadline.unref();
    this.encoder.encode(frames).then(
      (packets) => {
        clearTimeout(deadline);
        this.fill(indices, packets.length === frames.length ? packets : this.encodeHere(frames));
      },
      () => {
        clearTimeout(deadline);
        this.fill(indices, this.encodeHere(frames));
      },
    );
  }

  private encodeHere(frames: Int16Array[]): Buffer[] {
    this.localEncoder ??= new OpusFrameEncoder(MONO_24K);
    return frames.map((frame) => this.localEncoder!.encodeFrame(frame));
  }

  /** Puts encoded packets in place; a frame already filled (a late reply after the deadline) stays as it was. */
  private fill(indices: number[], packets: Buffer[]): void {
    if (this.cancelled) return;
    indices.forEach((index, k) => {
      if (!Buffer.isBuffer(this.items[index])) this.items[index] = packets[k]!;
    });
    this.notify?.();
  }
}

const EMPTY = Buffer.alloc(0);

/** The pacer gave up on the track before any of it was sent. */
export function heldAndUnheard(track: OpusTrack): boolean {
  return track.failure !== undefined && track.playedFrames === 0;
}

/** The member-facing reply when a held answer could not be played at all. */
export function heldTrackReply(failure: TrackFailure): string {
  return failure === 'e2ee'
    ? "I couldn't speak: the voice call's end-to-end encryption did not finish setting up. Please ask again."
    : "I couldn't speak: the voice connection did not come back in time. Please ask again.";
}
