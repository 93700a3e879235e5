/**
 * The output path from the model to the channel: pcm16 24 kHz mono bytes, as they arrive -> 20 ms
 * frames -> an OpusTrack the pacer plays (which encodes them to opus, still 24 kHz mono: Discord's
 * clients play mono packets, and encoding the model's own layout costs less than resampling to 48 kHz
 * stereo first; `npm run bench` measures both).
 */
import { MONO_24K, OPENAI_PCM_RATE } from '../audio/format.ts';
import { Pcm20msFramer } from '../audio/opus-frames.ts';
import { Pcm16Assembler } from '../audio/pcm-assembler.ts';
import { OpusTrack, PRIORITY_ANSWER } from './track.ts';

export class SpeechTrackWriter {
  readonly track: OpusTrack;
  private readonly assembler = new Pcm16Assembler();
  private readonly framer = new Pcm20msFramer(MONO_24K);
  private samples24k = 0;

  constructor(priority = PRIORITY_ANSWER) {
    this.track = new OpusTrack(priority);
  }

  /** Milliseconds of model audio received so far. */
  get receivedMs(): number {
    return (this.samples24k * 1000) / OPENAI_PCM_RATE;
  }

  /** Queues whatever complete 20 ms frames the chunk completes, at once. */
  write(pcm16: Buffer): void {
    if (this.track.cancelled) return;
    const samples = this.assembler.push(pcm16);
    this.samples24k += samples.length;
    const frames = this.framer.push(samples);
    if (frames.length > 0) this.track.push(...frames);
  }

  /** Flushes the framer's tail and ends the track. */
  end(): void {
    if (!this.track.cancelled) this.track.push(...this.framer.flush());
    this.track.end();
  }
}
