/**
 * Raised when audio bytes cannot be understood: wrong container, unsupported codec,
 * corruption or truncation. `message` is short and safe to show to a Discord user;
 * `detail` carries the technical reason for logs.
 */
export class AudioFormatError extends Error {
  override readonly name = 'AudioFormatError';
  /** Technical explanation for logs (never shown to users). */
  readonly detail: string | undefined;

  /**
   * @param message short user-facing sentence, e.g. "That file is not a WAV file."
   * @param detail optional technical detail for logs
   * @param options standard `cause` chaining
   */
  constructor(message: string, detail?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.detail = detail;
  }
}

/** Raised when audio plays longer than allowed; found before (or while) decoding, never after. */
export class AudioTooLongError extends AudioFormatError {
  /** How long the audio is, or at least how much was found before stopping. */
  readonly durationMs: number;

  constructor(durationMs: number, detail?: string) {
    super('That recording is too long.', detail);
    this.durationMs = durationMs;
  }
}
