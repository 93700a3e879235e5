/**
 * Decides when an answer's audio may start playing. It is collected from the start but reaches the
 * pacer only when every condition holds:
 * - a speculative answer waits until the end of the turn is confirmed (or is withdrawn when the member
 *   speaks again);
 * - in addressed mode the model may decline with a marker at the start of its transcript; the API
 *   streams transcript deltas ahead of the audio data, so the first words decide before audio would play.
 */

/** Outcome of reading the start of a transcript for the skip marker. */
export type AddressDecision = 'pending' | 'answer' | 'skip';

/** Whether `text` (the transcript so far) starts with `marker`; 'pending' while it cannot tell yet. */
export function readSkipMarker(text: string, marker: string): AddressDecision {
  const head = text.trimStart().toLowerCase();
  const want = marker.toLowerCase();
  if (head.length >= want.length) return head.startsWith(want) ? 'skip' : 'answer';
  return want.startsWith(head) ? 'pending' : 'answer';
}

export class AnswerGate {
  private confirmed: boolean;
  private addressed: AddressDecision;
  private opened = false;
  private readonly marker: string | undefined;
  private readonly onOpen: () => void;
  /** The answer was declined with the skip marker. */
  skipped = false;
  /** The speculative start was withdrawn. */
  withdrawn = false;

  /**
   * `hold`: resolves true when a speculative turn is confirmed, false when withdrawn; `skipMarker`: the
   * marker that declines an answer; `onOpen` runs once when the audio may play.
   */
  constructor(options: { hold?: Promise<boolean>; skipMarker?: string; onOpen: () => void; onWithdraw: () => void }) {
    this.marker = options.skipMarker;
    this.onOpen = options.onOpen;
    this.confirmed = options.hold === undefined;
    this.addressed = this.marker === undefined ? 'answer' : 'pending';
    void options.hold?.then((confirmed) => {
      if (confirmed) {
        this.confirmed = true;
        this.maybeOpen();
      } else if (!this.opened) {
        this.withdrawn = true;
        options.onWithdraw();
      }
    });
    this.maybeOpen();
  }

  get isOpen(): boolean {
    return this.opened;
  }

  /** The whole transcript so far. */
  text(text: string): void {
    if (this.addressed !== 'pending' || this.marker === undefined) return;
    this.addressed = readSkipMarker(text, this.marker);
    if (this.addressed === 'skip') this.skipped = true;
    this.maybeOpen();
  }

  /** The answer is complete: a transcript too short to carry the marker is an answer. */
  finished(): void {
    if (this.addressed === 'pending') this.addressed = 'answer';
    this.maybeOpen();
  }

  private maybeOpen(): void {
    if (this.opened || !this.confirmed || this.addressed !== 'answer' || this.withdrawn) return;
    this.opened = true;
    this.onOpen();
  }
}
