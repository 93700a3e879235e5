/**
 * What command handlers get: the services of a running bot. Commands stay thin and call these.
 */
import type { Client } from 'discord.js';
import type OpenAI from 'openai';
import type { Config } from './config.ts';
import type { CostGuard } from './cost/guard.ts';
import type { ChannelLocks } from './conversation/serialize.ts';
import type { Store } from './conversation/store.ts';
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
  /** Voice conversations (/talk), one per guild with a voice session. */
  talk: TalkSessions;
  openai: OpenAI;
  store: Store;
  metrics: Metrics;
  /** Cooldowns and daily budgets. */
  costs: CostGuard;
  /** Aborted when the bot shuts down: in-flight answers stop and store what was heard. */
  shutdown: AbortSignal;
  /** Auto-leave and following a member (/join follow). */
  presence: Presence;
  /** Serializes turns per conversation channel. */
  turns: ChannelLocks;
}
