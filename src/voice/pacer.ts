/**
 * Real-time opus output. Parley sends each 20 ms packet itself through `VoiceConnection.playOpusPacket`
 * instead of the library's AudioPlayer, for two reasons: the AudioPlayer reads a packet on one global
 * tick and sends it on the next (20-40 ms added to every answer's first sound), and it ends a resource
 * after `maxMissedFrames` empty ticks, which cuts a streamed answer when the model pauses.
 *
 * The pacer plays tracks one after another, highest priority first, and starts the moment the first
 * packet of an idle pacer arrives; later packets follow on a drift-corrected 20 ms clock. While a
 * track is still being produced but has nothing ready (the model paused), silence frames keep the
 * receiver's clock running and nothing is dropped or played twice.
 */
import { performance } from 'node:perf_hooks';
import { FRAME_MS } from '../audio/format.ts';
import { OpusTrack } from './track.ts';

/** Opus "silence" packet that Discord clients expect between and after speech. */
export const SILENCE_FRAME = Buffer.from([0xf8, 0xff, 0xfe]);
/** Silence frames sent after the last track, as Discord asks, before speaking is switched off. */
const TRAILING_SILENCE_FRAMES = 5;
/** Beyond this lateness the clock is reset instead of bursting packets to catch up. */
const MAX_LATENESS_MS = 3 * FRAME_MS;

/** How long an answer may wait for the call's end-to-end encryption before it fails. */
export const E2EE_HOLD_MS = 5_000;
/** How long a track may wait for a reconnecting connection before it ends as interrupted. */
export const RECONNECT_HOLD_MS = 10_000;

/** Where packets go: a voice connection in production, a recorder in unit tests. */
export interface PacketSink {
  play(packet: Buffer): void;
  setSpeaking(speaking: boolean): void;
  /** Whether packets can reach the channel now (the connection is Ready). */
  ready(): boolean;
  /** Whether packets sent now would be end-to-end encrypted for the members (DAVE); absent = always. */
  e2eeReady?(): boolean;
}

/** Bounds of the pacer's holds (tests shorten them). */
export interface HoldLimits {
  e2eeMs: number;
  reconnectMs: number;
}

export class VoicePacer {
  private readonly tracks: OpusTrack[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextTickAt = 0;
  private trailingSilence = 0;
  private speaking = false;
  private closed = false;
  /** performance.now() when the current hold began. */
  private holdSince: number | undefined;

  private readonly sink: PacketSink;
  private readonly limits: HoldLimits;

  constructor(sink: PacketSink, limits: HoldLimits = { e2eeMs: E2EE_HOLD_MS, reconnectMs: RECONNECT_HOLD_MS }) {
    this.sink = sink;
    this.limits = limits;
  }

  /** Adds a track; it plays after the tracks of equal or higher priority already queued. */
  enqueue(track: OpusTrack): OpusTrack {
    if (this.closed) {
      track.cancel();
      return track;
    }
    const index = this.tracks.findIndex((t) => t.priority < track.priority);
    // A track that outranks the one playing pre-empts it: the playing one waits (or is cancelled by its owner).
    if (index === -1) this.tracks.push(track);
    else this.tracks.splice(index, 0, track);
    track.attach(() => this.wake());
    this.wake();
    return track;
  }

  /** The track playing now, if any. */
  get current(): OpusTrack | undefined {
    return this.tracks[0];
  }

  /** Whether any track is queued or playing. */
  get busy(): boolean {
    return this.tracks.length > 0;
  }

  /** Cancels every track (barge-in, leaving the channel). */
  cancelAll(): void {
    for (const track of [...this.tracks]) track.cancel();
    this.tracks.length = 0;
  }

  /** Stops for good: cancels tracks and timers. */
  close(): void {
    this.closed = true;
    this.cancelAll();
    this.stopClock();
  }

  /** Called when a track gains a packet or finishes: an idle pacer starts at once. */
  private wake(): void {
    if (this.closed || this.timer !== undefined) return;
    this.nextTickAt = performance.now();
    this.tick();
  }

  private tick(): void {
    this.timer = undefined;
    if (this.closed) return;
    const hold = !this.sink.ready() ? 'reconnecting' : this.sink.e2eeReady?.() === false ? 'e2ee' : undefined;
    if (hold) {
      // Reconnecting, or the call's encryption is not set up: hold the tracks where they are so that
      // nothing counts as heard that no member could hear; a bounded wait, then the track fails.
      if (this.tracks.length > 0) {
        this.expireHold(hold);
        this.scheduleNext();
      }
      return;
    }
    this.holdSince = undefined;
    const packet = this.nextPacket();
    if (packet) {
      this.trailingSilence = 0;
      this.speaking = true;
      this.sink.play(packet);
    } else if (this.speaking && this.trailingSilence < TRAILING_SILENCE_FRAMES) {
      this.trailingSilence++;
      this.sink.play(SILENCE_FRAME);
    } else {
      if (this.speaking) this.sink.setSpeaking(false);
      this.speaking = false;
      return; // idle: the next packet wakes the pacer
    }
    this.scheduleNext();
  }

  private expireHold(reason: 'reconnecting' | 'e2ee'): void {
    const now = performance.now();
    this.holdSince ??= now;
    if (now - this.holdSince < (reason === 'e2ee' ? this.limits.e2eeMs : this.limits.reconnectMs)) return;
    this.holdSince = now;
    const track = this.tracks.shift();
    track?.fail(reason);
  }

  /** The next packet to send, or undefined when nothing is ready to start. */
  private nextPacket(): Buffer | undefined {
    while (this.tracks.length > 0) {
      const track = this.tracks[0]!;
      if (track.cancelled) {
        this.tracks.shift();
        continue;
      }
      const packet = track.take();
      if (packet) return packet;
      if (track.ended) {
        // Finished: the next track starts in this same tick, so parts play back to back.
        this.tracks.shift();
        track.markPlayed();
        continue;
      }
      // Before its first packet a track is still waiting for the model: stay idle so that the first
      // packet starts the clock the moment it arrives instead of waiting for the next tick.
      if (track.playedFrames === 0) return undefined;
      track.underflow();
      return SILENCE_FRAME;
    }
    return undefined;
  }

  private scheduleNext(): void {
    this.nextTickAt += FRAME_MS;
    const now = performance.now();
    if (now - this.nextTickAt > MAX_LATENESS_MS) this.nextTickAt = now;
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.nextTickAt - now));
  }

  private stopClock(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
