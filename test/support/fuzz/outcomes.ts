/**
 * What became of each fuzzed interaction, judged from what the fake Discord received: answered
 * (a public reply or edit), refused (an ephemeral one), an error (Parley's generic failure sentence)
 * or unanswered (no callback within the ack deadline, or a "thinking..." that was never edited).
 */
import { GENERIC_FAILURE } from '../../../src/discord/errors.ts';
import type { InteractionRecord, InteractionResponse } from '../../harness/discord/index.ts';

export type Outcome = 'answered' | 'refused' | 'error' | 'unanswered';

/** Callback types: 4 a reply, 5 a deferred reply ("thinking..."). */
const CALLBACK_REPLY = 4;
const CALLBACK_DEFER = 5;

/** One fuzzed interaction and what it was. */
export interface Judged {
  /** `/ask`, `/settings voice`, `Ask Parley`... */
  label: string;
  record: InteractionRecord;
  outcome: Outcome;
  /** The last text shown, digits and long tails normalized, for grouping. */
  gist: string;
  /** Milliseconds from dispatch to the first callback (undefined: none came). */
  ackMs: number | undefined;
}

/** Whether the interaction needs no more waiting: answered for good, or past any chance of an answer. */
export function isSettled(record: InteractionRecord, ackDeadlineMs: number, now = performance.now()): boolean {
  const callback = firstCallback(record);
  if (!callback) return now - record.createdAt > ackDeadlineMs;
  if (callback.type !== CALLBACK_DEFER) return true;
  return record.responses.some((r) => r.kind === 'edit' || r.kind === 'followup');
}

/** Judges one interaction from the responses recorded so far. */
export function judge(label: string, record: InteractionRecord): Judged {
  const callback = firstCallback(record);
  const texts = record.responses.map((r) => r.body?.content).filter((c): c is string => typeof c === 'string');
  const gist = normalizeGist(record.lastContent() ?? (callback ? `(callback ${callback.type}, no text)` : '(nothing)'));
  let outcome: Outcome;
  if (!callback) outcome = 'unanswered';
  else if (texts.some((t) => t.includes(GENERIC_FAILURE))) outcome = 'error';
  else if (callback.type === CALLBACK_DEFER && !record.responses.some((r) => r.kind === 'edit' || r.kind === 'followup')) outcome = 'unanswered';
  else if (callback.type !== CALLBACK_REPLY && callback.type !== CALLBACK_DEFER) outcome = 'unanswered';
  else outcome = callback.ephemeral ? 'refused' : 'answered';
  return { label, record, outcome, gist, ackMs: callback ? callback.at - record.createdAt : undefined };
}

/** Counts per outcome, ack latency percentiles and the most frequent replies, for the printed summary. */
export function summarize(judged: readonly Judged[]): { counts: Record<Outcome, number>; top: string[]; ackMs: { p50: number; p95: number; max: number } } {
  const counts: Record<Outcome, number> = { answered: 0, refused: 0, error: 0, unanswered: 0 };
  const groups = new Map<string, number>();
  for (const j of judged) {
    counts[j.outcome]++;
    const key = `${j.outcome.padEnd(10)} ${j.label.padEnd(18)} ${j.gist}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const top = [...groups.entries()].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${String(n).padStart(5)}  ${key}`);
  const acks = judged.map((j) => j.ackMs).filter((ms): ms is number => ms !== undefined).sort((a, b) => a - b);
  const at = (q: number) => Math.round(acks[Math.min(acks.length - 1, Math.floor(q * acks.length))] ?? NaN);
  return { counts, top, ackMs: { p50: at(0.5), p95: at(0.95), max: Math.round(acks.at(-1) ?? NaN) } };
}

function firstCallback(record: InteractionRecord): InteractionResponse | undefined {
  return record.responses.find((r) => r.kind === 'callback');
}

/** Digits to #, whitespace squeezed, cut at 70 characters: "too long: 100000 characters" groups with its kind. */
function normalizeGist(text: string): string {
  const flat = text.replace(/\d+/g, '#').replace(/\s+/g, ' ').trim();
  return flat.length > 70 ? flat.slice(0, 69) + '…' : flat;
}
