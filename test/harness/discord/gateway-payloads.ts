import { memberJson } from './guild-json.ts';
import type { FakeGuild } from './fake-guild.ts';

/** The READY dispatch: every guild announced unavailable, followed by one GUILD_CREATE each. */
export function readyPayload(fields: {
  botUser: Record<string, unknown>;
  applicationId: string;
  guildIds: string[];
  sessionId: string;
  resumeUrl: string;
  shard: [number, number];
}): Record<string, unknown> {
  return {
    v: 10,
    user: fields.botUser,
    guilds: fields.guildIds.map((id) => ({ id, unavailable: true })),
    session_id: fields.sessionId,
    session_type: 'normal',
    resume_gateway_url: fields.resumeUrl,
    shard: fields.shard,
    application: { id: fields.applicationId, flags: 0 },
    private_channels: [],
    relationships: [],
    presences: [],
    guild_join_requests: [],
    geo_ordered_rtc_regions: [],
    user_settings: {},
    _trace: ['fake-discord'],
  };
}

/** Answers gateway op 8 (guild.members.fetch()): one GUILD_MEMBERS_CHUNK per requested guild. */
export function memberChunks(guilds: Map<string, FakeGuild>, d: any): Record<string, unknown>[] {
  const chunks: Record<string, unknown>[] = [];
  for (const guildId of [d?.guild_id].flat()) {
    const guild = guilds.get(String(guildId));
    if (!guild) continue;
    const ids: string[] | undefined = d.user_ids === undefined ? undefined : [d.user_ids].flat().map(String);
    const query = typeof d.query === 'string' ? d.query.toLowerCase() : '';
    let members = [...guild.members.values()].filter((m) => (ids ? ids.includes(m.id) : m.username.toLowerCase().startsWith(query)));
    if (d.limit) members = members.slice(0, d.limit);
    chunks.push({
      guild_id: guild.id,
      members: members.map(memberJson),
      chunk_index: 0,
      chunk_count: 1,
      not_found: ids ? ids.filter((id) => !guild.members.has(id)) : [],
      ...(d.nonce !== undefined ? { nonce: d.nonce } : {}),
    });
  }
  return chunks;
}
