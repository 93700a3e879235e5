/**
 * The bot's announcement queue: announcements of a guild play one after another in the order they
 * were made, and shutdown waits for the ones playing. Built once at start-up; it also carries the one
 * thing placement needs from voice conversations (pausing their listening around a round trip).
 */
import type { Guild } from 'discord.js';
import { ChannelLocks } from '../conversation/serialize.ts';

/** Announcements that may wait per guild behind the one playing. */
export const ANNOUNCEMENT_QUEUE_LIMIT = 5;

/** Remembers whom the guild's conversation listens to; the result listens to them again in `home`. */
export type SuspendListening = (guild: Guild) => (home: string) => void;

export class AnnouncementQueue {
  private readonly locks = new ChannelLocks({ maxQueued: ANNOUNCEMENT_QUEUE_LIMIT });
  readonly suspendListening: SuspendListening;

  constructor(suspendListening: SuspendListening = () => () => undefined) {
    this.suspendListening = suspendListening;
  }

  get maxQueued(): number {
    return this.locks.maxQueued;
  }

  /** Announcements of the guild playing or waiting. */
  pending(guildId: string): number {
    return this.locks.pending(guildId);
  }

  /** Runs `task` after the guild's earlier announcements (QueueFullError when too many wait). */
  run<T>(guildId: string, task: () => Promise<T>): Promise<T> {
    return this.locks.run(guildId, task);
  }

  /** True once no announcement plays or waits, false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    return this.locks.drain(timeoutMs);
  }
}
