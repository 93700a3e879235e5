import { CHANNEL_TYPE_CODES } from './guild-types.ts';
import type { FakeChannel, FakeMember, FakeRole, VoiceStateRecord } from './guild-types.ts';

/** Discord's default voice bitrate (64 kbps) as channel objects report it. */
const DEFAULT_VOICE_BITRATE_BPS = 64_000;

/** A user object as Discord sends it. */
export function userJson(member: Pick<FakeMember, 'id' | 'username' | 'displayName' | 'bot'>): Record<string, unknown> {
  return {
    id: member.id,
    username: member.username,
    discriminator: '0',
    global_name: member.displayName ?? null,
    avatar: null,
    bot: member.bot,
    system: false,
    public_flags: 0,
    flags: 0,
  };
}

/** A guild member object (GUILD_CREATE, interactions, REST), `user` included. */
export function memberJson(member: FakeMember): Record<string, unknown> {
  return {
    user: userJson(member),
    nick: null,
    avatar: null,
    banner: null,
    roles: [...member.roleIds],
    joined_at: member.joinedAt,
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    communication_disabled_until: null,
  };
}

/** A channel object with `guild_id`; permission bits are strings as on the wire. */
export function channelJson(guildId: string, channel: FakeChannel): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id: channel.id,
    type: CHANNEL_TYPE_CODES[channel.kind],
    guild_id: guildId,
    name: channel.name,
    position: channel.position,
    parent_id: channel.parentId,
    flags: 0,
    nsfw: false,
    permission_overwrites: channel.overwrites.map((o) => ({
      id: o.id,
      type: o.type,
      allow: o.allow.toString(),
      deny: o.deny.toString(),
    })),
  };
  if (channel.kind === 'text') {
    return { ...base, topic: null, rate_limit_per_user: 0, last_message_id: null, last_pin_timestamp: null };
  }
  if (channel.kind === 'voice' || channel.kind === 'stage') {
    return {
      ...base,
      bitrate: DEFAULT_VOICE_BITRATE_BPS,
      user_limit: channel.userLimit,
      rtc_region: null,
      video_quality_mode: 1,
      rate_limit_per_user: 0,
      last_message_id: null,
    };
  }
  return base;
}

/** A role object; the bot's integration role carries `tags.bot_id` and `managed` like on Discord. */
export function roleJson(role: FakeRole): Record<string, unknown> {
  return {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: role.botId !== undefined,
    mentionable: false,
    flags: 0,
    ...(role.botId !== undefined ? { tags: { bot_id: role.botId } } : {}),
  };
}

/** A voice state; `member` is included for VOICE_STATE_UPDATE dispatches (discord.js needs it for the bot). */
export function voiceStateJson(
  guildId: string,
  userId: string,
  state: VoiceStateRecord | undefined,
  member?: FakeMember,
): Record<string, unknown> {
  return {
    guild_id: guildId,
    channel_id: state?.channelId ?? null,
    user_id: userId,
    session_id: state?.sessionId ?? '',
    deaf: false,
    mute: false,
    self_deaf: state?.selfDeaf ?? false,
    self_mute: state?.selfMute ?? false,
    self_video: false,
    self_stream: false,
    suppress: state?.suppress ?? false,
    request_to_speak_timestamp: state?.requestToSpeakTimestamp ?? null,
    ...(member ? { member: memberJson(member) } : {}),
  };
}

/** The guild object REST answers with (GUILD_CREATE adds channels, members and voice states). */
export function guildJson(id: string, name: string, ownerId: string, roles: FakeRole[]): Record<string, unknown> {
  return {
    id,
    name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: 'en-US',
    features: [],
    roles: roles.map(roleJson),
    emojis: [],
    stickers: [],
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    incidents_data: null,
  };
}
