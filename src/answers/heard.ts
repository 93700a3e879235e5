/**
 * What listeners actually heard of an interrupted answer: the transcript cut in proportion to the
 * audio that was played, at a word boundary.
 */

/** The first `playedMs / producedMs` share of `text`, ending on a whole word. */
export function heardPart(text: string, playedMs: number, producedMs: number): string {
  if (producedMs <= 0 || playedMs <= 0) return '';
  const ratio = Math.min(1, playedMs / producedMs);
  if (ratio >= 1) return text;
  const cut = Math.round(text.length * ratio);
  const boundary = text.lastIndexOf(' ', cut);
  return text.slice(0, boundary > 0 ? boundary : cut).trimEnd();
}
