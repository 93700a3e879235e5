/**
 * Data shapes of Parley's conversation store: turns, token usage, guild settings.
 *
 * Times are unix milliseconds (`createdAt`, `sinceUnixMs`) except `audioExpiresAt`, which is
 * unix seconds because that is what OpenAI returns in `audio.expires_at`.
 */

/** Audio container formats OpenAI accepts as `input_audio`. */
export type InputAudioFormat = 'wav' | 'mp3';

/** Recorded speech attached to a user turn, kept until {@link Store.dropUserAudio}. */
export interface UserAudio {
  format: InputAudioFormat;
  /** The complete encoded file (a WAV file with header, or an MP3 stream). */
  data: Buffer;
  durationMs: number;
}

/** Something a person said (voice) or wrote (text) in a channel. */
export interface UserTurn {
  kind: 'user';
  id: string;
  /** The conversation's channel: the voice channel when answers are spoken, else the text channel. */
  channelId: string;
  guildId: string;
  speakerId: string;
  /** Display name as shown to the model, e.g. "Ana". */
  speakerName: string;
  text?: string;
  audio?: UserAudio;
  /** Filled later by background transcription; used once the audio is gone. */
  transcript?: string;
  /** Unix milliseconds. */
  createdAt: number;
}

/** Whether the listener heard the whole answer or cut it short (barge-in, cut stream). */
export type AssistantTurnStatus = 'complete' | 'interrupted';

/** An answer Parley gave in a channel. */
export interface AssistantTurn {
  kind: 'assistant';
  id: string;
  channelId: string;
  guildId: string;
  /** What was said (for an interrupted turn: what was heard up to the cut). */
  transcript: string;
  /** OpenAI's `audio.id`, reusable in later requests until `audioExpiresAt`. */
  audioId?: string;
  /** Unix seconds (OpenAI's `audio.expires_at`). */
  audioExpiresAt?: number;
  status: AssistantTurnStatus;
  /** Unix milliseconds. */
  createdAt: number;
}

/** One entry of a channel's conversation. */
export type Turn = UserTurn | AssistantTurn;

/** Token counts of one model call, split the way OpenAI bills them. */
export interface TokenUsage {
  textIn: number;
  audioIn: number;
  /** Input tokens served from the prompt cache (a subset of textIn + audioIn). */
  cachedIn: number;
  textOut: number;
  audioOut: number;
}

/** A voice preset name ("alloy") or a custom voice reference. */
export type VoiceSetting = string | { id: string };

/** Per-guild preferences, changed by slash commands. */
export interface GuildSettings {
  voice?: VoiceSetting;
  persona?: string;
  /** Whether speaking over Parley stops its answer. */
  bargeIn: boolean;
}

/** Settings of a guild that never changed any. */
export const DEFAULT_GUILD_SETTINGS: Readonly<GuildSettings> = Object.freeze({ bargeIn: true });

/** Usage attached to an exchange; guild and channel come from the turns. */
export interface ExchangeUsage {
  model: string;
  /** Who is billed for the call (usually the speaker). */
  userId: string;
  tokens: TokenUsage;
  costUsd?: number;
  /** True when the API never reported this call's usage and the counts are Parley's estimate. */
  estimated?: boolean;
}

/** A standalone usage row (transcriptions, announcements, anything not tied to a turn). */
export interface UsageRecord extends ExchangeUsage {
  guildId: string;
  channelId?: string;
  /** The turn this call produced, if any. */
  turnId?: string;
  /** Unix milliseconds; defaults to now. */
  createdAt?: number;
}

/** Aggregated usage of a guild over a time window. */
export interface UsageSummary {
  /** Number of recorded model calls. */
  turns: number;
  tokens: TokenUsage;
  costUsd: number;
  /** How many of the calls have estimated counts (cut before the API reported usage). */
  estimatedCalls: number;
  /** Most expensive first. */
  byUser: { userId: string; costUsd: number; turns: number }[];
}

/** Something Parley was asked to say out loud (e.g. via /say). */
export interface AnnouncementInput {
  guildId: string;
  channelId: string;
  userId: string;
  text: string;
  /** Which backend(s) voiced it, e.g. "realtime:gpt-realtime-2.1-mini". */
  backend: string;
  /** Unix milliseconds. */
  createdAt: number;
  /** Milliseconds of audio heard in the channel. */
  playedMs?: number;
  /** Why it ended before the end of the text. */
  cutReason?: string;
  /** Readings that did not match the text (backend, attempt, word errors, what was said, what followed). */
  deviations?: unknown[];
}

/** A stored announcement. */
export interface Announcement extends AnnouncementInput {
  id: number;
}
