/**
 * Voicing a text that had to be split into parts, as one continuous stream of audio: every part's
 * audio goes to the same sink, in order, and part n+1 is already being fetched (and buffered) while
 * part n streams and plays, so the next part is ready the moment the previous one ends.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { TokenUsage } from '../conversation/types.ts';
import type { VerbatimDeviation } from './verbatim.ts';

/** What voicing one part produced. */
export interface PartOutcome {
  /** Which backend spoke it, e.g. "speech:gpt-4o-mini-tts". */
  backend: string;
  /** The model billed for it. */
  model?: string;
  /** The stream broke after some of the part's audio arrived: the part is incomplete. */
  cutReason?: string;
  /** Tokens billed for the part: reported by the chat and Realtime backends, estimated for the speech endpoint. */
  usage?: TokenUsage;
  /** Tokens billed for attempts that were discarded (readings that strayed). */
  spent?: { model: string; usage: TokenUsage }[];
  /** Readings that did not match the text, for the audit row. */
  deviations?: VerbatimDeviation[];
}

/** Voices part `index`, handing its pcm16 (24 kHz mono) to `onAudio` as it arrives. */
export type VoicePart = (index: number, onAudio: (pcm16: Buffer) => void, signal: AbortSignal) => Promise<PartOutcome>;

export interface PipelineResult {
  /** Parts whose audio was delivered completely. */
  completeParts: number;
  /** Outcomes of the parts voiced, in order (the last one may be the cut one). */
  outcomes: PartOutcome[];
  /** Why the later parts are missing: a part was cut, or failed after earlier audio was delivered. */
  cutReason?: string;
  /** The failure that stopped the pipeline after audio had been delivered. */
  error?: unknown;
}

export interface PipelineOptions {
  signal?: AbortSignal;
  /** Called once, when the first audio reaches the sink. */
  onFirstAudio?: () => void;
}

/**
 * Large pieces are fed in slices of 200 ms of pcm16 24 kHz mono, yielding to the event loop between
 * slices of a backlog, so encoding a buffered part never delays the real-time pacer's next packet.
 */
const SLICE_BYTES = 9_600;

/**
 * Voices `partCount` parts in order into `sink`, at most two requests in flight: part n+1 starts when
 * part n is playing (being fed to the sink) and its first audio has arrived. Rejects when the first part fails before any audio (nothing was said)
 * or when `signal` aborts; a later failure or cut resolves with what was delivered and `cutReason`.
 */
export async function voiceInOrder(
  partCount: number,
  voicePart: VoicePart,
  sink: (pcm16: Buffer) => void,
  options: PipelineOptions = {},
): Promise<PipelineResult> {
  const stop = new AbortController();
  const abort = () => stop.abort(options.signal?.reason);
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  const feeds: PartFeed[] = [];
  // The part being played now; only it may start the next one, so at most two requests are in flight.
  let live = 0;
  const start = (index: number) => {
    if (index >= partCount || feeds[index] || stop.signal.aborted) return;
    const feed = new PartFeed();
    feeds[index] = feed;
    voicePart(
      index,
      (pcm16) => {
        if (feed.settled) return;
        feed.push(pcm16);
        if (index === live) start(index + 1);
      },
      stop.signal,
    ).then(
      (outcome) => {
        feed.settle({ outcome });
        if (!outcome.cutReason && index === live) start(index + 1);
      },
      (error: unknown) => feed.settle({ error }),
    );
  };

  let delivered = false;
  const outcomes: PartOutcome[] = [];
  try {
    start(0);
    for (let index = 0; index < partCount; index++) {
      live = index;
      start(index);
      const feed = feeds[index]!;
      // Fetched ahead while the previous part played: its successor may start now.
      if (feed.receivedAny || (feed.settled && 'outcome' in feed.settled && !feed.settled.outcome.cutReason)) start(index + 1);
      for (;;) {
        await feed.changed();
        if (feed.hasChunks) {
          for (const slice of feed.takeSlices(SLICE_BYTES)) {
            sink(slice.data);
            if (!delivered) {
              delivered = true;
              options.onFirstAudio?.();
            }
            if (slice.backlog) await yieldToEventLoop();
          }
          continue;
        }
        if (feed.settled) break;
      }
      if (stop.signal.aborted) throw stop.signal.reason ?? new Error('aborted');
      const settled = feed.settled!;
      if ('error' in settled) {
        if (!delivered) throw settled.error;
        return { completeParts: index, outcomes, cutReason: `part ${index + 1} of ${partCount} failed`, error: settled.error };
      }
      outcomes.push(settled.outcome);
      if (settled.outcome.cutReason) return { completeParts: index, outcomes, cutReason: settled.outcome.cutReason };
    }
    return { completeParts: partCount, outcomes };
  } finally {
    // Whatever happened, no request may keep running: the parts after a failure are not wanted.
    stop.abort(new Error('announcement pipeline finished'));
    options.signal?.removeEventListener('abort', abort);
  }
}

type Settled = { outcome: PartOutcome } | { error: unknown };

/** One part's audio as it arrives, buffered until the consumer reaches it. */
class PartFeed {
  private chunks: Buffer[] = [];
  private wake: (() => void) | undefined;
  receivedAny = false;
  settled: Settled | undefined;

  get hasChunks(): boolean {
    return this.chunks.length > 0;
  }

  push(chunk: Buffer): void {
    this.receivedAny = true;
    this.chunks.push(chunk);
    this.notify();
  }

  settle(settled: Settled): void {
    this.settled ??= settled;
    this.notify();
  }

  /** Resolves when a chunk is waiting or the part has settled. */
  changed(): Promise<void> {
    if (this.chunks.length > 0 || this.settled) return Promise.resolve();
    return new Promise((resolve) => (this.wake = resolve));
  }

  /** Everything buffered now, in slices; `backlog` says more is ready right after this slice. */
  *takeSlices(sliceBytes: number): Generator<{ data: Buffer; backlog: boolean }> {
    const taken = this.chunks;
    this.chunks = [];
    for (let c = 0; c < taken.length; c++) {
      const chunk = taken[c]!;
      for (let offset = 0; offset < chunk.length; offset += sliceBytes) {
        const last = c === taken.length - 1 && offset + sliceBytes >= chunk.length;
        yield { data: chunk.subarray(offset, offset + sliceBytes), backlog: !last };
      }
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
