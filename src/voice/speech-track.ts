/**
 * The output path from the model to the channel: pcm16 24 kHz mono bytes, as they arrive ->
 * 48 kHz stereo (band-limited) -> 20 ms frames -> an OpusTrack the pacer plays (and encodes to opus
 * frame by frame as it sends them).
 */
import { OPENAI_PCM_RATE } from '../audio/format.ts';
import { Pcm20msFramer } from '../audio/opus-frames.ts';
import { Pcm16Assembler } from '../audio/pcm-assembler.ts';
import { Upsampler24kMonoTo48kStereo } from '../audio/resample.ts';
import { OpusTrack, PRIORITY_ANSWER } from './track.ts';

export class SpeechTrackWriter {
  readonly track: OpusTrack;
  private readonly assembler = new Pcm16Assembler();
  private readonly upsampler = new Upsampler24kMonoTo48kStereo();
  private readonly framer = new Pcm20msFramer();
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
    const frames = this.framer.push(this.upsampler.push(samples));
    if (frames.length > 0) this.track.push(...frames);
  }

  /** Flushes the resampler and framer tails and ends the track. */
  end(): void {
    if (!this.track.cancelled) {
      const tail = this.framer.push(this.upsampler.flush());
      this.track.push(...tail, ...this.framer.flush());
    }
    this.track.end();
  }
}
