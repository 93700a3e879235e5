/**
 * Raw 20 ms Opus packets for Discord voice (48 kHz stereo), no container.
 */
import { FRAME_BYTES_48K_STEREO, FRAME_VALUES_48K_STEREO, DISCORD_CHANNELS, DISCORD_PCM_RATE, bufferToInt16 } from './format.ts';
import { OPUS_CTL, OPUS_SIGNAL_VOICE, createNativeOpus, type NativeOpus } from './opus-codec.ts';

/** Bitrate for Parley's voice output: transparent for speech, well within Discord's 64-96 kbps channels. */
export const VOICE_BITRATE = 64_000;
/** Expected loss on Discord's UDP path; makes libopus add in-band FEC for that much loss. */
const EXPECTED_PACKET_LOSS_PERCENT = 10;
/** libopus's algorithmic delay at 48 kHz (2.5 ms + 4 ms), in samples per channel. */
const OPUS_LOOKAHEAD_48K = 312;

/**
 * Cuts a stream of 48 kHz interleaved stereo PCM into 20 ms frames and encodes each as one
 * Opus packet (64 kbps, voice signal, in-band FEC on). Any push size works; the remainder
 * waits for the next push.
 */
export class OpusFrameEncoder {
  private readonly encoder: NativeOpus;
  /** Reused frame handed to the native encoder (which copies out the packet). */
  private readonly frameBytes = Buffer.alloc(FRAME_BYTES_48K_STEREO);
  private readonly frame = new Int16Array(this.frameBytes.buffer, this.frameBytes.byteOffset, FRAME_VALUES_48K_STEREO);
  private filled = 0;
  private pushedAny = false;

  constructor() {
    this.encoder = createNativeOpus(DISCORD_PCM_RATE, DISCORD_CHANNELS);
    this.encoder.setBitrate(VOICE_BITRATE);
    this.encoder.applyEncoderCTL(OPUS_CTL.SET_SIGNAL, OPUS_SIGNAL_VOICE);
    this.encoder.applyEncoderCTL(OPUS_CTL.SET_INBAND_FEC, 1);
    this.encoder.applyEncoderCTL(OPUS_CTL.SET_PACKET_LOSS_PERC, EXPECTED_PACKET_LOSS_PERCENT);
  }

  /** Number of interleaved values waiting for a complete frame. */
  get pendingValues(): number {
    return this.filled;
  }

  /** Appends PCM and returns one packet per completed 20 ms frame (possibly none). */
  push(pcm48kStereo: Int16Array): Buffer[] {
    const packets: Buffer[] = [];
    if (pcm48kStereo.length > 0) this.pushedAny = true;
    let read = 0;
    while (read < pcm48kStereo.length) {
      const take = Math.min(FRAME_VALUES_48K_STEREO - this.filled, pcm48kStereo.length - read);
      this.frame.set(pcm48kStereo.subarray(read, read + take), this.filled);
      this.filled += take;
      read += take;
      if (this.filled === FRAME_VALUES_48K_STEREO) {
        packets.push(this.encoder.encode(this.frameBytes));
        this.filled = 0;
      }
    }
    return packets;
  }

  /**
   * Zero-pads and encodes the last frame, plus one frame of silence when the padding is shorter than
   * the encoder's look-ahead: the decoder outputs audio that late, so without it the final 6.5 ms of
   * the answer would only be heard if something else followed. Returns [] when nothing was pushed.
   */
  flush(): Buffer[] {
    if (!this.pushedAny) return [];
    const packets: Buffer[] = [];
    const paddingSamples = (FRAME_VALUES_48K_STEREO - this.filled) / DISCORD_CHANNELS;
    if (this.filled > 0) {
      this.frame.fill(0, this.filled);
      packets.push(this.encoder.encode(this.frameBytes));
    }
    if (this.filled === 0 || paddingSamples < OPUS_LOOKAHEAD_48K) {
      this.frame.fill(0);
      packets.push(this.encoder.encode(this.frameBytes));
    }
    this.filled = 0;
    this.pushedAny = false;
    return packets;
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
