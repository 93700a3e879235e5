/**
 * Raw 20 ms Opus packets for Discord voice, no container. Discord's voice is 48 kHz Opus, but an Opus
 * packet does not carry its input's rate or channel count: a packet encoded from 24 kHz mono plays in
 * every client's 48 kHz stereo decoder, and libopus decodes any packet to 24 kHz mono directly. Parley
 * therefore works in the model's own layout (MONO_24K) and skips resampling in both directions.
 */
import { STEREO_48K, bufferToInt16, frameValues, type PcmLayout } from './format.ts';
import { OPUS_CTL, OPUS_ENCODER_LOOKAHEAD_48K, OPUS_SIGNAL_VOICE, createNativeOpus, type NativeOpus } from './opus-codec.ts';

/** Bitrate for Parley's voice output: transparent for speech, well within Discord's 64-96 kbps channels. */
export const VOICE_BITRATE = 64_000;
/** Expected loss on Discord's UDP path; makes libopus add in-band FEC for that much loss. */
const EXPECTED_PACKET_LOSS_PERCENT = 10;
/** libopus complexity 0-10 (default 10); see OpusFrameEncoder. */
const ENCODER_COMPLEXITY = 5;

/**
 * Cuts a stream of interleaved PCM into 20 ms frames. Any push size works; the remainder waits for the
 * next push. Separate from encoding so that frames can be encoded later, away from where they arrive.
 */
export class Pcm20msFramer {
  private readonly frameValues: number;
  private readonly lookaheadSamples: number;
  private readonly channels: number;
  private frame: Int16Array;
  private filled = 0;
  private pushedAny = false;

  constructor(layout: PcmLayout = STEREO_48K) {
    this.frameValues = frameValues(layout);
    this.channels = layout.channels;
    this.lookaheadSamples = Math.ceil((OPUS_ENCODER_LOOKAHEAD_48K * layout.rate) / 48_000);
    this.frame = new Int16Array(this.frameValues);
  }

  /** Number of interleaved values waiting for a complete frame. */
  get pendingValues(): number {
    return this.filled;
  }

  /** Appends PCM and returns each completed 20 ms frame (possibly none). */
  push(pcm: Int16Array): Int16Array[] {
    const frames: Int16Array[] = [];
    if (pcm.length > 0) this.pushedAny = true;
    let read = 0;
    while (read < pcm.length) {
      const take = Math.min(this.frameValues - this.filled, pcm.length - read);
      this.frame.set(pcm.subarray(read, read + take), this.filled);
      this.filled += take;
      read += take;
      if (this.filled === this.frameValues) {
        frames.push(this.frame);
        this.frame = new Int16Array(this.frameValues);
        this.filled = 0;
      }
    }
    return frames;
  }

  /**
   * Zero-pads the last frame, plus one frame of silence when the padding is shorter than the
   * encoder's look-ahead: the decoder outputs audio that late, so without it the final 6.5 ms of the
   * answer would only be heard if something else followed. Returns [] when nothing was pushed.
   */
  flush(): Int16Array[] {
    if (!this.pushedAny) return [];
    const frames: Int16Array[] = [];
    const paddingSamples = (this.frameValues - this.filled) / this.channels;
    if (this.filled > 0) frames.push(this.frame.fill(0, this.filled));
    if (this.filled === 0 || paddingSamples < this.lookaheadSamples) frames.push(new Int16Array(this.frameValues));
    this.frame = new Int16Array(this.frameValues);
    this.filled = 0;
    this.pushedAny = false;
    return frames;
  }
}

/**
 * Encodes 20 ms frames of `layout` PCM as Opus packets for Discord (64 kbps, voice signal, in-band FEC
 * for the loss Discord's UDP path sees, complexity 5: a third of the default cost per frame, for a loss
 * inaudible in speech). Stateful: one encoder per stream.
 */
export class OpusFrameEncoder {
  private readonly encoder: NativeOpus;
  private readonly framer: Pcm20msFramer;
  private readonly frameValues: number;
  /** Reused frame handed to the native encoder (which copies out the packet). */
  private readonly frameBytes: Buffer;
  private readonly frameView: Int16Array;

  constructor(layout: PcmLayout = STEREO_48K) {
    this.frameValues = frameValues(layout);
    this.framer = new Pcm20msFramer(layout);
    this.frameBytes = Buffer.alloc(this.frameValues * 2);
    this.frameView = new Int16Array(this.frameBytes.buffer, this.frameBytes.byteOffset, this.frameValues);
    this.encoder = createNativeOpus(layout.rate, layout.channels);
    this.encoder.setBitrate(VOICE_BITRATE);
    this.encoder.applyEncoderCTL(OPUS_CTL.SET_SIGNAL, OPUS_SIGNAL_VOICE);
    this.encoder.applyEncoderCTL(OPUS_CTL.SET_INBAND_FEC, 1);
    this.encoder.applyEncoderCTL(OPUS_CTL.SET_PACKET_LOSS_PERC, EXPECTED_PACKET_LOSS_PERCENT);
    this.encoder.applyEncoderCTL(OPUS_CTL.SET_COMPLEXITY, ENCODER_COMPLEXITY);
  }

  /** Number of interleaved values waiting for a complete frame. */
  get pendingValues(): number {
    return this.framer.pendingValues;
  }

  /** Encodes one complete 20 ms frame. */
  encodeFrame(frame: Int16Array): Buffer {
    this.frameView.set(frame.subarray(0, this.frameValues));
    return this.encoder.encode(this.frameBytes);
  }

  /** Appends PCM and returns one packet per completed 20 ms frame (possibly none). */
  push(pcm: Int16Array): Buffer[] {
    return this.framer.push(pcm).map((frame) => this.encodeFrame(frame));
  }

  /** Encodes the padded last frame (and the look-ahead frame); [] when nothing was pushed. */
  flush(): Buffer[] {
    return this.framer.flush().map((frame) => this.encodeFrame(frame));
  }
}

/**
 * Decodes Discord voice packets to `layout` PCM (libopus resamples and downmixes inside the decoder,
 * at less cost than decoding to 48 kHz stereo). Keep one per speaker (SSRC): Opus decoding is stateful.
 */
export class OpusFrameDecoder {
  private readonly decoder: NativeOpus;

  constructor(layout: PcmLayout = STEREO_48K) {
    this.decoder = createNativeOpus(layout.rate, layout.channels);
  }

  /**
   * Returns the decoded PCM, or null for an empty or corrupt packet (libopus rejected it);
   * the caller decides whether to conceal the gap.
   */
  decode(packet: Uint8Array): Int16Array | null {
    // An empty packet would make libopus synthesize 120 ms of concealment; report it as lost.
    if (packet.length === 0) return null;
    try {
      const bytes = this.decoder.decode(Buffer.isBuffer(packet) ? packet : Buffer.from(packet));
      return bufferToInt16(bytes);
    } catch {
      return null;
    }
  }
}
