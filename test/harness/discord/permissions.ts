/**
 * Discord permission bits (https://discord.com/developers/docs/topics/permissions), defined here
 * rather than imported from discord.js so the fake never shares a bug with the client under test.
 */
export const Permission = {
  CreateInstantInvite: 1n << 0n,
  KickMembers: 1n << 1n,
  BanMembers: 1n << 2n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewAuditLog: 1n << 7n,
  PrioritySpeaker: 1n << 8n,
  Stream: 1n << 9n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  SendTTSMessages: 1n << 12n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  ViewGuildInsights: 1n << 19n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  MuteMembers: 1n << 22n,
  DeafenMembers: 1n << 23n,
  MoveMembers: 1n << 24n,
  UseVAD: 1n << 25n,
  ChangeNickname: 1n << 26n,
  ManageNicknames: 1n << 27n,
  ManageRoles: 1n << 28n,
  ManageWebhooks: 1n << 29n,
  ManageGuildExpressions: 1n << 30n,
  UseApplicationCommands: 1n << 31n,
  RequestToSpeak: 1n << 32n,
  ManageEvents: 1n << 33n,
  ManageThreads: 1n << 34n,
  CreatePublicThreads: 1n << 35n,
  CreatePrivateThreads: 1n << 36n,
  UseExternalStickers: 1n << 37n,
  SendMessagesInThreads: 1n << 38n,
  UseEmbeddedActivities: 1n << 39n,
  ModerateMembers: 1n << 40n,
  ViewCreatorMonetizationAnalytics: 1n << 41n,
  UseSoundboard: 1n << 42n,
  CreateGuildExpressions: 1n << 43n,
  CreateEvents: 1n << 44n,
  UseExternalSounds: 1n << 45n,
  SendVoiceMessages: 1n << 46n,
  SendPolls: 1n << 49n,
  UseExternalApps: 1n << 50n,
  PinMessages: 1n << 51n,
} as const;

/** Every known bit: what Administrator (or guild ownership) grants. */
export const ALL_PERMISSIONS: bigint = Object.values(Permission).reduce((all, bit) => all | bit, 0n);

/** What a fresh server's @everyone role allows members to do (the parts a voice/text bot cares about). */
export const DEFAULT_EVERYONE_PERMISSIONS: bigint =
  Permission.CreateInstantInvite |
  Permission.AddReactions |
  Permission.Stream |
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.EmbedLinks |
  Permission.AttachFiles |
  Permission.ReadMessageHistory |
  Permission.UseExternalEmojis |
  Permission.Connect |
  Permission.Speak |
  Permission.UseVAD |
  Permission.ChangeNickname |
  Permission.UseApplicationCommands |
  Permission.RequestToSpeak |
  Permission.CreatePublicThreads |
  Permission.CreatePrivateThreads |
  Permission.UseExternalStickers |
  Permission.SendMessagesInThreads |
  Permission.UseEmbeddedActivities |
  Permission.UseSoundboard |
  Permission.UseExternalSounds |
  Permission.SendVoiceMessages |
  Permission.SendPolls |
  Permission.UseExternalApps;

/** The managed role a bot invite with the usual voice-bot scopes creates: no Administrator, no moderation. */
export const BOT_ROLE_PERMISSIONS: bigint =
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.EmbedLinks |
  Permission.AttachFiles |
  Permission.ReadMessageHistory |
  Permission.AddReactions |
  Permission.Connect |
  Permission.Speak |
  Permission.UseVAD |
  Permission.UseApplicationCommands |
  Permission.SendVoiceMessages;

/** Bits that Discord silently drops when SendMessages is denied in a channel. */
const NEEDS_SEND_MESSAGES =
  Permission.SendTTSMessages | Permission.MentionEveryone | Permission.AttachFiles | Permission.EmbedLinks;

/** A channel permission overwrite: `type` 0 targets a role, 1 a member. */
export interface PermissionOverwrite {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

/** What the permission computation needs to know about a guild. */
export interface PermissionContext {
  guildId: string;
  ownerId: string;
  rolePermissions: (roleId: string) => bigint | undefined;
}

/** Guild-wide permissions: @everyone plus the member's roles; owner and Administrator get everything. */
export function computeBasePermissions(ctx: PermissionContext, userId: string, roleIds: readonly string[]): bigint {
  if (userId === ctx.ownerId) return ALL_PERMISSIONS;
  let permissions = ctx.rolePermissions(ctx.guildId) ?? 0n;
  for (const roleId of roleIds) permissions |= ctx.rolePermissions(roleId) ?? 0n;
  return permissions & Permission.Administrator ? ALL_PERMISSIONS : permissions;
}

/**
 * Permissions in a channel, in Discord's documented order: base, then the @everyone overwrite, then
 * the union of the member's role overwrites (deny before allow), then the member overwrite. Denying
 * ViewChannel denies everything, denying SendMessages drops the bits that depend on it.
 */
export function computeChannelPermissions(
  ctx: PermissionContext,
  userId: string,
  roleIds: readonly string[],
  overwrites: readonly PermissionOverwrite[],
): bigint {
  const base = computeBasePermissions(ctx, userId, roleIds);
  if (base & Permission.Administrator) return ALL_PERMISSIONS;
  let permissions = base;
  const everyone = overwrites.find((o) => o.type === 0 && o.id === ctx.guildId);
  if (everyone) permissions = (permissions & ~everyone.deny) | everyone.allow;
  let roleAllow = 0n;
  let roleDeny = 0n;
  for (const overwrite of overwrites) {
    if (overwrite.type === 0 && overwrite.id !== ctx.guildId && roleIds.includes(overwrite.id)) {
      roleAllow |= overwrite.allow;
      roleDeny |= overwrite.deny;
    }
  }
  permissions = (permissions & ~roleDeny) | roleAllow;
  const member = overwrites.find((o) => o.type === 1 && o.id === userId);
  if (member) permissions = (permissions & ~member.deny) | member.allow;
  if (!(permissions & Permission.ViewChannel)) return 0n;
  if (!(permissions & Permission.SendMessages)) permissions &= ~NEEDS_SEND_MESSAGES;
  return permissions;
}

/** True when every bit of `required` is present in `permissions`. */
export function hasPermissions(permissions: bigint, required: bigint): boolean {
  return (permissions & required) === required;
}
