import type { SQLInputValue } from 'node:sqlite';
import type { Announcement, AnnouncementInput, AssistantTurn, GuildSettings, InputAudioFormat, TokenUsage, Turn, UsageRecord, VoiceSetting } from './types.ts';

/** Columns of the `turns` table, as read back by `SELECT *`. */
export interface TurnRow {
  id: string;
  channel_id: string;
  guild_id: string;
  kind: string;
  speaker_id: string | null;
  speaker_name: string | null;
  text: string | null;
  audio_format: string | null;
  audio_data: Uint8Array | null;
  audio_duration_ms: number | null;
  transcript: string | null;
  audio_id: string | null;
  audio_expires_at: number | null;
  status: string | null;
  created_at: number;
}

/** Column list of the `turns` insert, in the order {@link turnToParams} returns. */
export const TURN_INSERT_SQL = `INSERT INTO turns (
  id, channel_id, guild_id, kind, speaker_id, speaker_name, text,
  audio_format, audio_data, audio_duration_ms, transcript, audio_id, audio_expires_at, status, created_at
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Bind values for {@link TURN_INSERT_SQL}; `undefined` becomes NULL since SQLite cannot bind it. */
export function turnToParams(turn: Turn): SQLInputValue[] {
  const common = [turn.id, turn.channelId, turn.guildId, turn.kind];
  if (turn.kind === 'user') {
    return [
      ...common,
      turn.speakerId,
      turn.speakerName,
      turn.text ?? null,
      turn.audio?.format ?? null,
      turn.audio?.data ?? null,
      turn.audio?.durationMs ?? null,
      turn.transcript ?? null,
      null,
      null,
      null,
      Math.round(turn.createdAt),
    ];
  }
  return [
    ...common,
    null,
    null,
    null,
    null,
    null,
    null,
    turn.transcript,
    turn.audioId ?? null,
    turn.audioExpiresAt === undefined ? null : Math.floor(turn.audioExpiresAt),
    turn.status,
    Math.round(turn.createdAt),
  ];
}

/** Rebuilds a turn from its row, leaving absent optional fields out (not `undefined`). */
export function rowToTurn(row: TurnRow): Turn {
  if (row.kind === 'assistant') {
    const turn: AssistantTurn = {
      kind: 'assistant',
      id: row.id,
      channelId: row.channel_id,
      guildId: row.guild_id,
      transcript: row.transcript ?? '',
      status: row.status === 'interrupted' ? 'interrupted' : 'complete',
      createdAt: row.created_at,
    };
    if (row.audio_id !== null) turn.audioId = row.audio_id;
    if (row.audio_expires_at !== null) turn.audioExpiresAt = row.audio_expires_at;
    return turn;
  }
  return {
    kind: 'user',
    id: row.id,
    channelId: row.channel_id,
    guildId: row.guild_id,
    speakerId: row.speaker_id ?? '',
    speakerName: row.speaker_name ?? '',
    ...(row.text !== null && { text: row.text }),
    ...(row.audio_data !== null && {
      audio: {
        format: row.audio_format as InputAudioFormat,
        // Wrap, not copy: the Uint8Array SQLite returned is already ours alone.
        data: Buffer.from(row.audio_data.buffer, row.audio_data.byteOffset, row.audio_data.byteLength),
        durationMs: row.audio_duration_ms ?? 0,
      },
    }),
    ...(row.transcript !== null && { transcript: row.transcript }),
    createdAt: row.created_at,
  };
}

/** Bind values for the usage insert: tokens rounded because STRICT INTEGER columns refuse fractions. */
function tokensToParams(tokens: TokenUsage): number[] {
  return [tokens.textIn, tokens.audioIn, tokens.cachedIn, tokens.textOut, tokens.audioOut].map(Math.round);
}

/** Columns of `guild_settings`. */
export interface SettingsRow {
  voice_json: string | null;
  persona: string | null;
  barge_in: number;
  talk_mode: string | null;
}

/** Decodes a settings row; a voice that is not valid JSON is ignored rather than fatal. */
export function rowToSettings(row: SettingsRow): GuildSettings {
  const settings: GuildSettings = { bargeIn: row.barge_in === 1 };
  const voice = parseVoice(row.voice_json);
  if (voice !== undefined) settings.voice = voice;
  if (row.persona !== null) settings.persona = row.persona;
  if (row.talk_mode === 'all' || row.talk_mode === 'addressed') settings.talkMode = row.talk_mode;
  return settings;
}

function parseVoice(json: string | null): VoiceSetting | undefined {
  if (json === null) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value === 'string') return value;
    if (typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string') {
      return { id: (value as { id: string }).id };
    }
  } catch {
    // Fall through: a damaged voice falls back to the default voice.
  }
  return undefined;
}

/** Columns of `announcements`. */
export interface AnnouncementRow {
  id: number;
  guild_id: string;
  channel_id: string;
  user_id: string;
  text: string;
  backend: string;
  created_at: number;
  played_ms: number | null;
  cut_reason: string | null;
  deviations_json: string | null;
}

/** Maps an announcements row to its API shape. */
export function rowToAnnouncement(row: AnnouncementRow): Announcement {
  return {
    id: row.id,
    guildId: row.guild_id,
    channelId: row.channel_id,
    userId: row.user_id,
    text: row.text,
    backend: row.backend,
    createdAt: row.created_at,
    ...(row.played_ms === null ? {} : { playedMs: row.played_ms }),
    ...(row.cut_reason === null ? {} : { cutReason: row.cut_reason }),
    ...(row.deviations_json === null ? {} : { deviations: JSON.parse(row.deviations_json) as unknown[] }),
  };
}

/** One usage row; `?` placeholders, as SQLite takes them (the PostgreSQL store numbers them). */
export const USAGE_INSERT_SQL = `INSERT INTO usage (
  guild_id, channel_id, user_id, model, turn_id,
  text_in, audio_in, cached_in, text_out, audio_out, cost_usd, created_at, estimated
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Bind values for {@link USAGE_INSERT_SQL}. */
export function usageToParams(record: UsageRecord): SQLInputValue[] {
  return [
    record.guildId,
    record.channelId ?? null,
    record.userId,
    record.model,
    record.turnId ?? null,
    ...tokensToParams(record.tokens),
    record.costUsd ?? 0,
    Math.round(record.createdAt ?? Date.now()),
    record.estimated ? 1 : 0,
  ];
}

/** One announcement audit row; `?` placeholders like {@link USAGE_INSERT_SQL}. */
export const ANNOUNCEMENT_INSERT_SQL = `INSERT INTO announcements (
  guild_id, channel_id, user_id, text, backend, created_at, played_ms, cut_reason, deviations_json
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** Bind values for {@link ANNOUNCEMENT_INSERT_SQL}. */
export function announcementToParams(announcement: AnnouncementInput): SQLInputValue[] {
  const { guildId, channelId, userId, text, backend, createdAt, playedMs, cutReason, deviations } = announcement;
  return [
    guildId,
    channelId,
    userId,
    text,
    backend,
    Math.round(createdAt),
    playedMs ?? null,
    cutReason ?? null,
    deviations && deviations.length > 0 ? JSON.stringify(deviations) : null,
  ];
}
