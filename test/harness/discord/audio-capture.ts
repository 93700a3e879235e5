import { DEFAULT_WAIT_TIMEOUT_MS, waitUntil } from './wait.ts';
import { OPUS_SILENCE_FRAME } from './rtp.ts';
import { SAMPLES_PER_STEREO_FRAME, createOpusCodec, pcmBytesToSamples } from './opus.ts';
import type { OpusCodec } from './opus.ts';

/** One RTP packet the bot sent, decrypted and decoded. */
export interface CapturedPacket {
  /** performance.now() when the fake received it. */
  at: number;
  seq: number;
  timestamp: number;
  /** The packet was the F8 FF FE silence frame. */
  silence: boolean;
  /** 48 kHz stereo interleaved, 960 x 2 samples (zeros for silence frames). */
  pcm: Int16Array;
}

/** A bot packet a member could not hear: plain opus in an end-to-end encrypted call, or undecryptable. */
export interface LostPacket {
  at: number;
  seq: number;
  reason: 'not-e2ee' | 'undecryptable' | 'no-listener';
}

/** What the bot sent into its voice channel, decoded; see FakeDiscord.capture(). */
export interface AudioCapture {
  readonly packets: CapturedPacket[];
  /** Non-silence packets a listening member would have dropped (DAVE). */
  readonly lost: LostPacket[];
  /** Concatenated decoded 48 kHz stereo audio, silence frames left out unless asked for. */
  pcm(opts?: { includeSilence?: boolean }): Int16Array;
  waitForPackets(n: number, timeoutMs?: number): Promise<void>;
  /** Resolves once no packet arrived for `quietMs`. */
  waitForQuiet(quietMs: number, timeoutMs?: number): Promise<void>;
  reset(): void;
}

/** The capture of one guild's bot audio; one Opus decoder per voice session, like a listening client. */
export class BotAudioCapture implements AudioCapture {
  readonly packets: CapturedPacket[] = [];
  readonly lost: LostPacket[] = [];
  /** Packets Discord would not forward (bot lacks Speak, or is suppressed on a stage). */
  droppedWhileMuted = 0;
  #decoder: OpusCodec = createOpusCodec();
  #lastActivityAt = performance.now();
  readonly #signal: AbortSignal;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  /** Decodes and stores one decrypted Opus packet. */
  record(seq: number, timestamp: number, opusPacket: Buffer): void {
    const silence = opusPacket.equals(OPUS_SILENCE_FRAME);
    let pcm: Int16Array;
    if (silence) {
      pcm = new Int16Array(SAMPLES_PER_STEREO_FRAME);
    } else {
      try {
        pcm = pcmBytesToSamples(this.#decoder.decode(opusPacket));
      } catch {
        pcm = new Int16Array(SAMPLES_PER_STEREO_FRAME);
      }
    }
    this.#lastActivityAt = performance.now();
    this.packets.push({ at: this.#lastActivityAt, seq, timestamp, silence, pcm });
  }

  /** Notes a packet a member could not hear. */
  recordLost(seq: number, reason: LostPacket['reason']): void {
    this.#lastActivityAt = performance.now();
    this.lost.push({ at: this.#lastActivityAt, seq, reason });
  }

  /** Notes a packet that arrived but was not forwarded, so waitForQuiet still sees activity. */
  recordDropped(): void {
    this.droppedWhileMuted += 1;
    this.#lastActivityAt = performance.now();
  }

  pcm(opts: { includeSilence?: boolean } = {}): Int16Array {
    const chosen = this.packets.filter((p) => opts.includeSilence || !p.silence);
    const out = new Int16Array(chosen.reduce((total, p) => total + p.pcm.length, 0));
    let offset = 0;
    for (const packet of chosen) {
      out.set(packet.pcm, offset);
      offset += packet.pcm.length;
    }
    return out;
  }

  async waitForPackets(n: number, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<void> {
    await waitUntil(() => this.packets.length >= n, timeoutMs, () => `${n} bot audio packets (have ${this.packets.length})`, this.#signal);
  }

  async waitForQuiet(quietMs: number, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<void> {
    await waitUntil(() => performance.now() - this.#lastActivityAt >= quietMs, timeoutMs, `${quietMs} ms without bot audio`, this.#signal);
  }

  reset(): void {
    this.packets.length = 0;
    this.lost.length = 0;
    this.droppedWhileMuted = 0;
    this.#lastActivityAt = performance.now();
  }

  /** A new voice session began: forget earlier audio and decode with a fresh decoder, like a new listener. */
  startSession(): void {
    this.reset();
    this.#decoder = createOpusCodec();
  }
}
