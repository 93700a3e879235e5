/**
 * The last spoken turns' timings per server, for /latency: kept in memory (they describe this process's
 * recent behaviour, not history worth a database row).
 */

/** One answered (or skipped) spoken turn, in milliseconds after the member's end of speech. */
export interface TurnLatency {
  /** Unix ms when the turn was recorded. */
  at: number;
  speaker: string;
  /** The request was sent (before the end of the turn was confirmed when `speculative`). */
  requestMs: number;
  firstModelAudioMs?: number;
  firstPlayedMs?: number;
  /** The request started after the early window, not the full silence window. */
  speculative: boolean;
  /** Addressed mode: the model declined, nothing was played. */
  skipped: boolean;
}

/** Turns kept per server. */
export const LATENCY_TURNS_KEPT = 10;

export class TurnLatencies {
  private readonly byGuild = new Map<string, TurnLatency[]>();

  record(guildId: string, turn: TurnLatency): void {
    const turns = this.byGuild.get(guildId) ?? [];
    turns.push(turn);
    if (turns.length > LATENCY_TURNS_KEPT) turns.splice(0, turns.length - LATENCY_TURNS_KEPT);
    this.byGuild.set(guildId, turns);
  }

  /** The server's last turns, oldest first. */
  recent(guildId: string): readonly TurnLatency[] {
    return this.byGuild.get(guildId) ?? [];
  }
}
