/**
 * Late answer packets, as a listener would notice them: the gap between consecutive packets of one
 * answer. The pacer sends one packet per 20 ms and, after an answer, five silence frames before it goes
 * idle; the gap after such an idle stretch is a pause between answers, not lateness, so it is not counted.
 */

/** A packet is late when it arrives more than this after the previous one (two frame periods). */
export const LATE_AFTER_MS = 40;
/** The pacer's trailing silence frames before it goes idle (src/voice/pacer.ts). */
const TRAILING_SILENCE_FRAMES = 5;
const MAX_LATE_TIMES = 1_000;

/** Counts gaps between consecutive packets of one guild's bot audio, fed in arrival order. */
export class PacketGapTracker {
  /** Gaps counted (within answers, inside the window). */
  intervals = 0;
  /** Gaps above {@link LATE_AFTER_MS}. */
  late = 0;
  /** Answer packets (not silence frames) inside the window. */
  speechPackets = 0;
  /** Arrival times of late packets (the first {@link MAX_LATE_TIMES}), to see whether they cluster. */
  readonly lateAt: number[] = [];
  /** Arrival time of the newest packet, any kind, anywhere. */
  lastPacketAt = -Infinity;
  /** Arrival time of the newest answer packet. */
  lastSpeechAt = -Infinity;
  readonly #gaps: number[];
  #silenceRun = TRAILING_SILENCE_FRAMES;
  #windowFrom = -Infinity;
  #windowTo = Infinity;

  /** @param gaps where to append every counted gap (shared between guilds for percentiles). */
  constructor(gaps: number[] = []) {
    this.#gaps = gaps;
  }

  /** Only packets arriving within [from, to] are counted from now on (earlier counts are kept). */
  setWindow(from: number, to: number): void {
    this.#windowFrom = from;
    this.#windowTo = to;
  }

  /** One packet as the voice server received it. */
  push(at: number, silence: boolean): void {
    const inWindow = at >= this.#windowFrom && at <= this.#windowTo;
    const continuesAnswer = this.#silenceRun < TRAILING_SILENCE_FRAMES;
    if (inWindow && continuesAnswer) {
      const gap = at - this.lastPacketAt;
      this.intervals++;
      if (gap > LATE_AFTER_MS) {
        this.late++;
        if (this.lateAt.length < MAX_LATE_TIMES) this.lateAt.push(at);
      }
      this.#gaps.push(gap);
    }
    if (silence) {
      this.#silenceRun++;
    } else {
      this.#silenceRun = 0;
      this.lastSpeechAt = at;
      if (inWindow) this.speechPackets++;
    }
    this.lastPacketAt = at;
  }
}
