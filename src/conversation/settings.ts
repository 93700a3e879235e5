import type { StatementSync } from 'node:sqlite';
import { rowToSettings, type SettingsRow } from './rows.ts';
import { DEFAULT_GUILD_SETTINGS, type GuildSettings } from './types.ts';

type Prepare = (sql: string) => StatementSync;

/** A guild's stored settings, or the defaults when it never changed any. */
export function readSettings(prepare: Prepare, guildId: string): GuildSettings {
  const row = prepare('SELECT voice_json, persona, barge_in, talk_mode FROM guild_settings WHERE guild_id = ?').get(guildId) as
    | SettingsRow
    | undefined;
  return row === undefined ? { ...DEFAULT_GUILD_SETTINGS } : rowToSettings(row);
}

/**
 * Merges a patch into settings. A key that is absent keeps its value; a key that is present
 * with the value `undefined` goes back to its default (this is how `/persona reset` clears).
 */
export function applySettingsPatch(current: GuildSettings, patch: Partial<GuildSettings>): GuildSettings {
  const next: GuildSettings = { ...current };
  if ('voice' in patch) {
    if (patch.voice === undefined) delete next.voice;
    else next.voice = typeof patch.voice === 'string' ? patch.voice : { id: patch.voice.id };
  }
  if ('persona' in patch) {
    if (patch.persona === undefined) delete next.persona;
    else next.persona = patch.persona;
  }
  if ('talkMode' in patch) {
    if (patch.talkMode === undefined) delete next.talkMode;
    else next.talkMode = patch.talkMode;
  }
  if ('bargeIn' in patch) next.bargeIn = patch.bargeIn ?? DEFAULT_GUILD_SETTINGS.bargeIn;
  return next;
}

/** Inserts or replaces a guild's settings row. */
export function writeSettings(prepare: Prepare, guildId: string, settings: GuildSettings, nowUnixMs: number): void {
  prepare(
    `INSERT INTO guild_settings (guild_id, voice_json, persona, barge_in, talk_mode, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (guild_id) DO UPDATE SET voice_json = excluded.voice_json, persona = excluded.persona,
       barge_in = excluded.barge_in, talk_mode = excluded.talk_mode, updated_at = excluded.updated_at`,
  ).run(
    guildId,
    settings.voice === undefined ? null : JSON.stringify(settings.voice),
    settings.persona ?? null,
    settings.bargeIn ? 1 : 0,
    settings.talkMode ?? null,
    nowUnixMs,
  );
}
