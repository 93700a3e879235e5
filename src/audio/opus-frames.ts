/**
 * Raw 20 ms Opus packets for Discord voice (48 kHz stereo), no container.
 */
import { FRAME_BYTES_48K_STEREO, FRAME_VALUES_48K_STEREO, DISCORD_CHANNELS, DISCORD_PCM_RATE, bufferToInt16 } from './format.ts';
import { OPUS_CTL, OPUS_ENCODER_LOOKAHEAD_48K, OPUS_SIGNAL_VOICE, createNativeOpus, type NativeOpus } from './opus-codec.ts';

/** Bitrate for Parley's voice output: transparent for speech, well within Discord's 64-96 kbps channels. */
export const VOICE_BITRATE = 64_000;
/** Expected loss on Discord's UDP path; makes libopus add in-band FEC for that much loss. */
const EXPECTED_PACKET_LOSS_PERCENT = 10;
/** libopus complexity 0-10 (default 10); see OpusFrameEncoder. */
const ENCODER_COMPLEXITY = 5;

/**
 * Cuts a stream of 48 kHz interleaved stereo PCM into 20 ms frames. Any push size works; the remainder
 * waits for the next push. Separate from encoding so that frames can be encoded when they are sent
 * (the pacer), spreading the codec's cost over time instead of in bursts as the model's chunks arrive.
 */
export class Pcm20msFramer {
  private frame = new Int16Array(FRAME_VALUES_48K_STEREO);
  private filled = 0;
  private pushedAny = false;

  /** Number of interleaved values waiting for a complete frame. */
  get pendingValues(): number {
    return this.filled;
  }

  /** Appends PCM and returns each completed 20 ms frame (possibly none). */
  push(pcm48kStereo: Int16Array): Int16Array[] {
    const frames: Int16Array[] = [];
    if (pcm48kStereo.length > 0) this.pushedAny = true;
    let read = 0;
    while (read < pcm48kStereo.length) {
      const take = Math.min(FRAME_VALUES_48K_STEREO - this.filled, pcm48kStereo.length - read);
      this.frame.set(pcm48kStereo.subarray(read, read + take), this.filled);
      this.filled += take;
      read += take;
      if (this.filled === FRAME_VALUES_48K_STEREO) {
        frames.push(this.frame);
        this.frame = new Int16Array(FRAME_VALUES_48K_STEREO);
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
    const paddingSamples = (FRAME_VALUES_48K_STEREO - this.filled) / DISCORD_CHANNELS;
    if (this.filled > 0) frames.push(this.frame.fill(0, this.filled));
    if (this.filled === 0 || paddingSamples < OPUS_ENCODER_LOOKAHEAD_48K) frames.push(new Int16Array(FRAME_VALUES_48K_STEREO));
    this.frame = new Int16Array(FRAME_VALUES_48K_STEREO);
    this.filled = 0;
    this.pushedAny = false;
    return frames;
  }
}

/**
 * Encodes 20 ms frames of 48 kHz stereo as Opus packets for Discord (64 kbps, voice signal, in-band
 * FEC for the loss Discord's UDP path sees, complexity 5: a third of the default cost per frame, which
 * is what lets one core serve many conversations, for a loss inaudible in speech).
 */
export class OpusFrameEncoder {
  private readonly encoder: NativeOpus;
  private readonly framer = new Pcm20msFramer();
  /** Reused frame handed to the native encoder (which copies out the packet). */
  private readonly frameBytes = Buffer.alloc(FRAME_BYTES_48K_STEREO);
  private readonly frameView = new Int16Array(this.frameBytes.buffer, this.frameBytes.byteOffset, FRAME_VALUES_48K_STEREO);

  constructor() {
    this.encoder = createNativeOpus(DISCORD_PCM_RATE, DISCORD_CHANNELS);
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

  /** Encodes one complete 20 ms frame (960 x 2 values). */
  encodeFrame(frame: Int16Array): Buffer {
    this.frameView.set(frame.subarray(0, FRAME_VALUES_48K_STEREO));
    return this.encoder.encode(this.frameBytes);
  }

  /** Appends PCM and returns one packet per completed 20 ms frame (possibly none). */
  push(pcm48kStereo: Int16Array): Buffer[] {
    return this.framer.push(pcm48kStereo).map((frame) => this.encodeFrame(frame));
  }

  /** Encodes the padded last frame (and the look-ahead frame); [] when nothing was pushed. */
  flush(): Buffer[] {
    return this.framer.flush().map((frame) => this.encodeFrame(frame));
  }
}

/**
 * Decodes Discord voice packets to 48 kHz interleaved stereo. Keep one per speaker (SSRC):
 * Opus decoding is stateful.
 */
export class OpusFrameDecoder {
  private readonly decoder: NativeOpus = createNativeOpus(DISCORD_PCM_RATE, DISCORD_CHANNELS);

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
