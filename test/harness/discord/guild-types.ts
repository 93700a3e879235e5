import type { PermissionOverwrite } from './permissions.ts';

/** Channel kinds the fake models, with Discord's channel type codes. */
export const CHANNEL_TYPE_CODES = { text: 0, voice: 2, category: 4, stage: 13 } as const;
/** A channel kind: 'text' (0), 'voice' (2), 'category' (4) or 'stage' (13). */
export type ChannelKind = keyof typeof CHANNEL_TYPE_CODES;

/** A channel to create; `id` is generated when omitted. */
export interface ChannelSpec {
  id?: string;
  name: string;
  type: ChannelKind;
  /** Id of a 'category' channel. */
  parentId?: string;
  permissionOverwrites?: PermissionOverwrite[];
  /** Voice/stage member limit, 0 = unlimited. */
  userLimit?: number;
}

/** A role to create; `id` is generated when omitted. */
export interface RoleSpec {
  id?: string;
  name: string;
  permissions: bigint;
}

/** A human (or other bot) member; `id` is generated when omitted. */
export interface MemberSpec {
  id?: string;
  username: string;
  displayName?: string;
  bot?: boolean;
  roleIds?: string[];
}

/** Everything a test guild starts with. The @everyone role and the bot member always exist. */
export interface GuildSpec {
  id?: string;
  name?: string;
  /** Owner user id (gets every permission). Defaults to a user who is not a member. */
  ownerId?: string;
  /** Permissions of @everyone; defaults to DEFAULT_EVERYONE_PERMISSIONS. */
  everyonePermissions?: bigint;
  /** Permissions of the bot's managed role; defaults to BOT_ROLE_PERMISSIONS. */
  botPermissions?: bigint;
  channels?: ChannelSpec[];
  roles?: RoleSpec[];
  members?: MemberSpec[];
}

/** A channel as the fake stores it. */
export interface FakeChannel {
  id: string;
  name: string;
  kind: ChannelKind;
  parentId: string | null;
  overwrites: PermissionOverwrite[];
  position: number;
  userLimit: number;
}

/** A role as the fake stores it. */
export interface FakeRole {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
  /** Set for the bot's integration role. */
  botId?: string;
}

/** A guild member as the fake stores it. */
export interface FakeMember {
  id: string;
  username: string;
  displayName?: string;
  bot: boolean;
  /** Role ids without @everyone (which everyone has implicitly). */
  roleIds: string[];
  joinedAt: string;
}

/** Where a user is in voice. */
export interface VoiceStateRecord {
  userId: string;
  channelId: string;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
  /** Stage audience members are suppressed until they become speakers. */
  suppress: boolean;
  requestToSpeakTimestamp: string | null;
}
