import { nextSnowflake } from './ids.ts';
import { channelJson, guildJson, memberJson, roleJson, voiceStateJson } from './guild-json.ts';
import {
  BOT_ROLE_PERMISSIONS,
  DEFAULT_EVERYONE_PERMISSIONS,
  computeBasePermissions,
  computeChannelPermissions,
} from './permissions.ts';
import type { PermissionContext, PermissionOverwrite } from './permissions.ts';
import type {
  ChannelSpec,
  FakeChannel,
  FakeMember,
  FakeRole,
  GuildSpec,
  MemberSpec,
  RoleSpec,
  VoiceStateRecord,
} from './guild-types.ts';

/** Sends a gateway dispatch to the bot (dropped while the bot has no session: GUILD_CREATE carries the state). */
export type DispatchSink = (event: string, data: Record<string, unknown>) => void;

/** The bot user as guilds need to know it. */
export interface BotIdentity {
  id: string;
  username: string;
}

/**
 * One guild of the fake: ids for tests, the state GUILD_CREATE describes, and mutators that dispatch the
 * matching CHANNEL_/GUILD_ events so discord.js caches stay in step. Voice states live here too; the
 * voice side of FakeDiscord moves them.
 */
export class FakeGuild {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly botRoleId: string;
  readonly channels = new Map<string, FakeChannel>();
  readonly roles = new Map<string, FakeRole>();
  readonly members = new Map<string, FakeMember>();
  readonly voiceStates = new Map<string, VoiceStateRecord>();
  readonly #dispatch: DispatchSink;
  readonly #bot: BotIdentity;

  constructor(spec: GuildSpec, bot: BotIdentity, dispatch: DispatchSink) {
    this.id = spec.id ?? nextSnowflake();
    this.name = spec.name ?? 'Parley Test Guild';
    this.ownerId = spec.ownerId ?? nextSnowflake();
    this.#bot = bot;
    this.#dispatch = dispatch;
    this.#storeRole({ id: this.id, name: '@everyone', permissions: spec.everyonePermissions ?? DEFAULT_EVERYONE_PERMISSIONS });
    this.botRoleId = this.#storeRole({ name: bot.username, permissions: spec.botPermissions ?? BOT_ROLE_PERMISSIONS }, bot.id).id;
    this.#storeMember({ id: bot.id, username: bot.username, bot: true, roleIds: [this.botRoleId] });
    for (const role of spec.roles ?? []) this.#storeRole(role);
    for (const channel of spec.channels ?? []) this.#storeChannel(channel);
    for (const member of spec.members ?? []) this.#storeMember(member);
  }

  /** A channel by name or id (throws when unknown, so typos fail loudly). */
  channel(nameOrId: string): FakeChannel {
    const found = this.channels.get(nameOrId) ?? [...this.channels.values()].find((c) => c.name === nameOrId);
    if (!found) throw new Error(`FakeGuild ${this.name}: no channel ${nameOrId}`);
    return found;
  }

  /** A member by username or id. */
  member(usernameOrId: string): FakeMember {
    const found = this.members.get(usernameOrId) ?? [...this.members.values()].find((m) => m.username === usernameOrId);
    if (!found) throw new Error(`FakeGuild ${this.name}: no member ${usernameOrId}`);
    return found;
  }

  /** A role by name or id ('@everyone' is the role whose id is the guild id). */
  role(nameOrId: string): FakeRole {
    const found = this.roles.get(nameOrId) ?? [...this.roles.values()].find((r) => r.name === nameOrId);
    if (!found) throw new Error(`FakeGuild ${this.name}: no role ${nameOrId}`);
    return found;
  }

  /** The bot's own member. */
  get botMember(): FakeMember {
    return this.member(this.#bot.id);
  }

  /** Adds a channel and dispatches CHANNEL_CREATE. */
  addChannel(spec: ChannelSpec): FakeChannel {
    const channel = this.#storeChannel(spec);
    this.#dispatch('CHANNEL_CREATE', channelJson(this.id, channel));
    return channel;
  }

  /** Adds a role and dispatches GUILD_ROLE_CREATE. */
  addRole(spec: RoleSpec): FakeRole {
    const role = this.#storeRole(spec);
    this.#dispatch('GUILD_ROLE_CREATE', { guild_id: this.id, role: roleJson(role) });
    return role;
  }

  /** Adds a member and dispatches GUILD_MEMBER_ADD. */
  addMember(spec: MemberSpec): FakeMember {
    const member = this.#storeMember(spec);
    this.#dispatch('GUILD_MEMBER_ADD', { ...memberJson(member), guild_id: this.id });
    return member;
  }

  /** Replaces a role's permissions (e.g. `'@everyone'` or the bot role) and dispatches GUILD_ROLE_UPDATE. */
  setRolePermissions(roleNameOrId: string, permissions: bigint): void {
    const role = this.role(roleNameOrId);
    role.permissions = permissions;
    this.#dispatch('GUILD_ROLE_UPDATE', { guild_id: this.id, role: roleJson(role) });
  }

  /** Replaces a member's roles and dispatches GUILD_MEMBER_UPDATE. */
  setMemberRoles(usernameOrId: string, roleIds: string[]): void {
    const member = this.member(usernameOrId);
    member.roleIds = roleIds.filter((id) => id !== this.id);
    this.#dispatch('GUILD_MEMBER_UPDATE', { ...memberJson(member), guild_id: this.id });
  }

  /** Gives a member one more role (dispatches GUILD_MEMBER_UPDATE). */
  addMemberRole(usernameOrId: string, roleNameOrId: string): void {
    const member = this.member(usernameOrId);
    this.setMemberRoles(member.id, [...new Set([...member.roleIds, this.role(roleNameOrId).id])]);
  }

  /** Takes a role from a member (dispatches GUILD_MEMBER_UPDATE). */
  removeMemberRole(usernameOrId: string, roleNameOrId: string): void {
    const member = this.member(usernameOrId);
    const roleId = this.role(roleNameOrId).id;
    this.setMemberRoles(member.id, member.roleIds.filter((id) => id !== roleId));
  }

  /** Adds or replaces the overwrite for `overwrite.id` on a channel and dispatches CHANNEL_UPDATE. */
  setPermissionOverwrite(channelNameOrId: string, overwrite: PermissionOverwrite): void {
    const channel = this.channel(channelNameOrId);
    channel.overwrites = [...channel.overwrites.filter((o) => o.id !== overwrite.id), { ...overwrite }];
    this.#dispatch('CHANNEL_UPDATE', channelJson(this.id, channel));
  }

  /** Removes the overwrite for a role/member id from a channel and dispatches CHANNEL_UPDATE. */
  removePermissionOverwrite(channelNameOrId: string, targetId: string): void {
    const channel = this.channel(channelNameOrId);
    channel.overwrites = channel.overwrites.filter((o) => o.id !== targetId);
    this.#dispatch('CHANNEL_UPDATE', channelJson(this.id, channel));
  }

  /** A user's permissions, guild-wide or (with `channelId`) in a channel, computed like Discord does. */
  permissionsOf(userId: string, channelId?: string): bigint {
    const member = this.member(userId);
    if (channelId === undefined) return computeBasePermissions(this.#permissionContext(), userId, member.roleIds);
    return computeChannelPermissions(this.#permissionContext(), userId, member.roleIds, this.channel(channelId).overwrites);
  }

  /** User ids currently in a voice channel. */
  usersInVoiceChannel(channelId: string): string[] {
    return [...this.voiceStates.values()].filter((s) => s.channelId === channelId).map((s) => s.userId);
  }

  /** The VOICE_STATE_UPDATE payload for a user's current state (channel null when not in voice). */
  voiceStateUpdate(userId: string): Record<string, unknown> {
    return voiceStateJson(this.id, userId, this.voiceStates.get(userId), this.members.get(userId));
  }

  /** The full GUILD_CREATE payload (explicitly available, with voice states). */
  toGuildCreate(): Record<string, unknown> {
    return {
      ...this.toGuildJson(),
      unavailable: false,
      joined_at: this.botMember.joinedAt,
      large: false,
      member_count: this.members.size,
      channels: [...this.channels.values()].map((c) => channelJson(this.id, c)),
      members: [...this.members.values()].map(memberJson),
      voice_states: [...this.voiceStates.values()].map((s) => {
        const { guild_id: _guildId, member: _member, ...state } = voiceStateJson(this.id, s.userId, s);
        return state;
      }),
      presences: [],
      threads: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  /** The guild object REST answers with (no channels/members). */
  toGuildJson(): Record<string, unknown> {
    return guildJson(this.id, this.name, this.ownerId, [...this.roles.values()]);
  }

  #permissionContext(): PermissionContext {
    return { guildId: this.id, ownerId: this.ownerId, rolePermissions: (id) => this.roles.get(id)?.permissions };
  }

  #storeRole(spec: RoleSpec, botId?: string): FakeRole {
    const role: FakeRole = { id: spec.id ?? nextSnowflake(), name: spec.name, permissions: spec.permissions, position: this.roles.size };
    if (botId !== undefined) role.botId = botId;
    this.roles.set(role.id, role);
    return role;
  }

  #storeChannel(spec: ChannelSpec): FakeChannel {
    const channel: FakeChannel = {
      id: spec.id ?? nextSnowflake(),
      name: spec.name,
      kind: spec.type,
      parentId: spec.parentId ?? null,
      overwrites: (spec.permissionOverwrites ?? []).map((o) => ({ ...o })),
      position: [...this.channels.values()].filter((c) => c.kind === spec.type).length,
      userLimit: spec.userLimit ?? 0,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  #storeMember(spec: MemberSpec): FakeMember {
    const member: FakeMember = {
      id: spec.id ?? nextSnowflake(),
      username: spec.username,
      bot: spec.bot ?? false,
      roleIds: (spec.roleIds ?? []).filter((id) => id !== this.id),
      joinedAt: new Date().toISOString(),
    };
    if (spec.displayName !== undefined) member.displayName = spec.displayName;
    this.members.set(member.id, member);
    return member;
  }
}
