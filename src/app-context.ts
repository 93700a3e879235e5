/**
 * What command handlers get: the services of a running bot. Commands stay thin and call these.
 */
import type { Client } from 'discord.js';
import type OpenAI from 'openai';
import type { AnnouncementQueue } from './announce/queue.ts';
import type { AudioJobs } from './audio/jobs/audio-jobs.ts';
import type { Config } from './config.ts';
import type { CostGuard } from './cost/guard.ts';
import type { ChannelLocks } from './conversation/serialize.ts';
import type { Store } from './conversation/store.ts';
import type { HistoryCompactor } from './listen/transcribe-old-turns.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './ops/metrics.ts';
import type { TalkSessions } from './listen/talk-sessions.ts';
import type { Presence } from './presence/presence.ts';
import type { VoiceSessions } from './voice/sessions.ts';

export interface AppContext {
  config: Config;
  log: Logger;
  client: Client;
  voice: VoiceSessions;
  /** Voice conversations (/talk), one per guild with a voice session; built with the conversation engine. */
  talk: TalkSessions;
  /** Announcements, played one after another per guild. */
  announcements: AnnouncementQueue;
  openai: OpenAI;
  store: Store;
  metrics: Metrics;
  /** Cooldowns and daily budgets. */
  costs: CostGuard;
  /** Aborted when the bot shuts down: in-flight answers stop and store what was heard. */
  shutdown: AbortSignal;
  /** Whole-file audio work (uploads, voice messages, previews), off the main thread. */
  audioJobs: AudioJobs;
  /** Auto-leave and following a member (/join follow). */
  presence: Presence;
  /** Serializes turns per conversation channel. */
  turns: ChannelLocks;
  /** Turns old spoken turns and answered recordings into text, in the background. */
  compactor: HistoryCompactor;
}
