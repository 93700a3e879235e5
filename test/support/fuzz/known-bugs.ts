/**
 * Bugs the fuzzer found that are reported and pinned by deterministic tests in
 * test/e2e/drills-fuzz-findings.test.ts (as `it.fails` until they are fixed). The fuzz run tolerates
 * exactly these, so it stays green while they are open and still fails on anything new. When a pinned
 * test starts failing because its bug was fixed, flip it to `it` and delete its entry here.
 */
import type { Judged } from './outcomes.ts';

export interface KnownBug {
  id: string;
  /** Matches the logged cause ("command failed" line: `${name}: ${message}`) of a generic reply. */
  genericCause?: RegExp;
  /** Matches the label of interactions that may go unanswered because of it. */
  unansweredLabel?: RegExp;
}

export const KNOWN_BUGS: readonly KnownBug[] = [
  // Fixed, and pinned by test/e2e/drills-fuzz-findings.test.ts: stale registrations, unknown commands,
  // command-kind mismatches, answers stopped before their first words, /reset behind busy turns.
];

/** The logged cause of each generic reply, by interaction id. */
export function loggedCauses(logs: readonly string[]): Map<string, string> {
  const causes = new Map<string, string>();
  for (const line of logs) {
    if (!line.includes('"command failed"')) continue;
    const entry = JSON.parse(line) as { interactionId?: string; err?: { name?: string; message?: string } };
    if (entry.interactionId) causes.set(entry.interactionId, `${entry.err?.name ?? 'Error'}: ${entry.err?.message ?? ''}`);
  }
  return causes;
}

/** Which known bug explains a judged interaction, if any. */
export function knownBugOf(judged: Judged, causes: ReadonlyMap<string, string>): KnownBug | undefined {
  if (judged.outcome === 'error') {
    const cause = causes.get(judged.record.id);
    return cause === undefined ? undefined : KNOWN_BUGS.find((bug) => bug.genericCause?.test(cause));
  }
  if (judged.outcome === 'unanswered') return KNOWN_BUGS.find((bug) => bug.unansweredLabel?.test(judged.label));
  return undefined;
}

/** How many interactions each known bug explains, e.g. "stale-registration 612, unknown-command 96". */
export function countKnownBugs(judged: readonly Judged[], causes: ReadonlyMap<string, string>): string {
  const counts = new Map<string, number>();
  for (const j of judged) {
    const bug = knownBugOf(j, causes);
    if (bug) counts.set(bug.id, (counts.get(bug.id) ?? 0) + 1);
  }
  return [...counts.entries()].map(([id, n]) => `${id} ${n}`).join(', ') || 'none';
}
