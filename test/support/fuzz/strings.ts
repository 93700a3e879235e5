/**
 * Hostile text for option values, message contents, display names and model transcripts: right-to-left
 * and bidi overrides, zero-width characters, emoji sequences, lone surrogates (JSON carries them as
 * `\ud800` escapes), combining-mark piles, control characters, markdown and mention look-alikes, and
 * strings far over every limit (100 KB).
 */
import type { Random } from './random.ts';

/** 100 KB: far beyond Discord's 6,000-character option limit and every limit of Parley. */
export const HUGE_STRING_CHARS = 100_000;

const RTL = ['مرحبا بالعالم', 'שלום עולם', 'سلام', '\u202Egnp.exe\u202C', '\u200F\u061C', '\u2067isolate\u2069'];
const ZERO_WIDTH = ['\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u180E', '\u00AD'];
const EMOJI = ['😀', '👩‍👩‍👧‍👦', '🏳️‍🌈', '👍🏽', '🇫🇷', '🧑🏿‍🚀', '❤️', '🫠', '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}'];
const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF', 'a\uD83Db', '\uDE00\uD83D'];
const CONTROL = ['\u0000', '\u0007', '\u001B[31m', '\r\n', '\t', '\u0085', '\u2028', '\u2029', '\u007F'];
const MARKUP = [
  '@everyone',
  '@here',
  '<@123456789012345678>',
  '<@&123456789012345678>',
  '<#123456789012345678>',
  '`code`',
  '```js\nprocess.exit(1)\n```',
  '||spoiler||',
  '**bold** __under__ ~~strike~~',
  '> quote',
  '# Heading',
  '[link](https://example.invalid)',
  '<t:0:R>',
  '</ask:1>',
  '\\',
  '"); DROP TABLE turns; --',
  "' OR '1'='1",
  '%s%s%n',
  '${process.env.DISCORD_TOKEN}',
  '{{7*7}}',
  '../../etc/passwd',
];
const WORDS = ['hello', 'what', 'is', 'the', 'weather', 'voice', 'marin', 'alloy', 'Ash', 'MARIN', 'voice_abc', 'voice_', 'persona', 'Parley', '?', '…', 'true', 'false', '1', 'yes'];
const ZALGO = '\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309\u030A\u030B\u030C\u030D\u030E\u030F';

/** One piece of hostile text (a few characters to a few hundred). */
export function oddFragment(random: Random): string {
  return random.weighted<() => string>([
    [3, () => random.pick(RTL)],
    [3, () => random.pick(ZERO_WIDTH).repeat(random.int(1, 40))],
    [3, () => random.pick(EMOJI).repeat(random.int(1, 20))],
    [2, () => random.pick(LONE_SURROGATES)],
    [2, () => random.pick(CONTROL)],
    [3, () => random.pick(MARKUP)],
    [4, () => random.pick(WORDS)],
    [1, () => 'e' + ZALGO.repeat(random.int(1, 30))],
    [1, () => String.fromCodePoint(random.int(0x20, 0x10_ffff)).replace(/[\uD800-\uDFFF]/g, '?')],
  ])();
}

/** A sentence of hostile fragments, about `maxChars` long at most. */
export function oddText(random: Random, maxChars = 300): string {
  let text = '';
  const parts = random.int(1, 12);
  for (let i = 0; i < parts && text.length < maxChars; i++) text += (random.chance(0.5) ? ' ' : '') + oddFragment(random);
  return text.slice(0, maxChars);
}

/** A string option value: mostly plausible, often hostile, sometimes empty, blank or 100 KB. */
export function fuzzString(random: Random): string {
  return random.weighted<() => string>([
    [4, () => oddText(random)],
    [3, () => random.pick(WORDS) + ' ' + random.pick(WORDS)],
    [1, () => ''],
    [1, () => ' \t\u3000\u00A0 '.repeat(random.int(1, 5))],
    [1, () => repeatTo(oddFragment(random) || 'x', HUGE_STRING_CHARS)],
    [1, () => repeatTo(random.pick(WORDS) + ' ', random.pick([1_999, 2_000, 2_001, 4_001, 6_000, 6_001, 20_001]))],
    [1, () => random.pick(LONE_SURROGATES).repeat(random.int(1, 500))],
  ])();
}

/** A display name for a fake member: hostile, but within Discord's 32 characters. */
export function oddDisplayName(random: Random): string {
  return Array.from(oddText(random, 64)).slice(0, 32).join('') || 'x';
}

function repeatTo(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}
