import { nextSnowflake } from './ids.ts';
import { channelJson, memberJson, roleJson, userJson } from './guild-json.ts';
import type { FakeGuild } from './fake-guild.ts';
import type { FakeChannel, FakeMember } from './guild-types.ts';
import { ATTACHMENT_SIZE_LIMIT_BYTES } from './message-rules.ts';
import type { AttachmentSpec } from './types.ts';

/** Application command option types (Discord). */
export const OptionType = { Subcommand: 1, SubcommandGroup: 2, String: 3, Integer: 4, Boolean: 5, User: 6, Channel: 7, Role: 8, Mentionable: 9, Number: 10, Attachment: 11 } as const;

/** A slash command option value as a test writes it. */
export type SlashOptionValue =
  | string
  | number
  | boolean
  | { attachment: AttachmentSpec }
  | { channelId: string }
  | { userId: string }
  | { roleId: string };

/** A user invoking a chat-input (slash) command. */
export interface SlashCommandRequest {
  guildId: string;
  channelId: string;
  userId: string;
  name: string;
  subcommand?: string;
  subcommandGroup?: string;
  options?: Record<string, SlashOptionValue>;
}

/** A user invoking a message context-menu command on a message. */
export interface MessageCommandRequest {
  guildId: string;
  channelId: string;
  userId: string;
  name: string;
  message: { id?: string; authorId: string; content?: string; attachments?: AttachmentSpec[]; flags?: number };
}

type Resolved = Record<string, Record<string, unknown>>;

/** The option list a registered command declares at the invoked subcommand, if it was registered. */
function declaredOptions(command: any, request: SlashCommandRequest): any[] | undefined {
  if (!command) return undefined;
  let options: any[] = command.options ?? [];
  if (request.subcommandGroup) options = options.find((o) => o.name === request.subcommandGroup)?.options ?? [];
  if (request.subcommand) options = options.find((o) => o.name === request.subcommand)?.options ?? [];
  return options;
}

/** Builds `data` of a chat-input interaction: typed options (per the registered schema when known) and `resolved`. */
export function slashCommandData(guild: FakeGuild, command: any, request: SlashCommandRequest, invoker: FakeMember): Record<string, unknown> {
  const declared = declaredOptions(command, request);
  const resolved: Resolved = {};
  const add = (kind: string, id: string, value: Record<string, unknown>): void => {
    resolved[kind] = { ...(resolved[kind] ?? {}), [id]: value };
  };
  const addUser = (userId: string): void => {
    const member = guild.member(userId);
    add('users', member.id, userJson(member));
    const { user: _user, ...partial } = memberJson(member);
    add('members', member.id, { ...partial, permissions: guild.permissionsOf(member.id, request.channelId).toString() });
  };
  const options = Object.entries(request.options ?? {}).map(([name, value]) => {
    const declaredType: number | undefined = declared?.find((o) => o.name === name)?.type;
    if (declared && declaredType === undefined) throw new Error(`Command /${request.name} declares no option "${name}"`);
    if (typeof value === 'object') {
      if ('attachment' in value) {
        add('attachments', value.attachment.id, { ...value.attachment });
        return { name, type: OptionType.Attachment, value: value.attachment.id };
      }
      if ('channelId' in value) {
        const channel = guild.channel(value.channelId);
        add('channels', channel.id, { ...channelJson(guild.id, channel), permissions: guild.permissionsOf(invoker.id, channel.id).toString() });
        return { name, type: OptionType.Channel, value: channel.id };
      }
      if ('userId' in value) {
        addUser(value.userId);
        return { name, type: declaredType ?? OptionType.User, value: guild.member(value.userId).id };
      }
      add('roles', value.roleId, roleJson(guild.role(value.roleId)));
      return { name, type: declaredType ?? OptionType.Role, value: guild.role(value.roleId).id };
    }
    if (typeof value === 'boolean') return { name, type: OptionType.Boolean, value };
    if (typeof value === 'number') {
      return { name, type: declaredType ?? (Number.isInteger(value) ? OptionType.Integer : OptionType.Number), value };
    }
    return { name, type: declaredType ?? OptionType.String, value };
  });
  let nested: unknown[] = options;
  if (request.subcommand) nested = [{ name: request.subcommand, type: OptionType.Subcommand, options: nested }];
  if (request.subcommandGroup) nested = [{ name: request.subcommandGroup, type: OptionType.SubcommandGroup, options: nested }];
  return {
    id: command?.id ?? nextSnowflake(),
    name: request.name,
    type: 1,
    ...(command?.guild_id ? { guild_id: command.guild_id } : {}),
    ...(nested.length > 0 ? { options: nested } : {}),
    ...(Object.keys(resolved).length > 0 ? { resolved } : {}),
  };
}

/** Builds `data` of a message context-menu interaction: `target_id` and `resolved.messages`. */
export function messageCommandData(guild: FakeGuild, command: any, request: MessageCommandRequest): Record<string, unknown> {
  const author = guild.member(request.message.authorId);
  const messageId = request.message.id ?? nextSnowflake();
  const message = {
    id: messageId,
    channel_id: request.channelId,
    author: userJson(author),
    content: request.message.content ?? '',
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: request.message.attachments ?? [],
    embeds: [],
    components: [],
    pinned: false,
    type: 0,
    flags: request.message.flags ?? 0,
  };
  const { user: _user, ...authorMember } = memberJson(author);
  return {
    id: command?.id ?? nextSnowflake(),
    name: request.name,
    type: 3,
    target_id: messageId,
    ...(command?.guild_id ? { guild_id: command.guild_id } : {}),
    resolved: { messages: { [messageId]: message }, users: { [author.id]: userJson(author) }, members: { [author.id]: authorMember } },
  };
}

/** The INTERACTION_CREATE payload (type 2, application command) around `data`. */
export function interactionPayload(fields: {
  id: string;
  token: string;
  applicationId: string;
  botId: string;
  guild: FakeGuild;
  channel: FakeChannel;
  member: FakeMember;
  data: Record<string, unknown>;
}): Record<string, unknown> {
  const { guild, channel, member } = fields;
  const memberPermissions = guild.permissionsOf(member.id, channel.id).toString();
  return {
    id: fields.id,
    application_id: fields.applicationId,
    type: 2,
    token: fields.token,
    version: 1,
    guild_id: guild.id,
    guild: { id: guild.id, locale: 'en-US', features: [] },
    channel_id: channel.id,
    channel: { ...channelJson(guild.id, channel), permissions: memberPermissions },
    member: { ...memberJson(member), permissions: memberPermissions },
    app_permissions: guild.permissionsOf(fields.botId, channel.id).toString(),
    locale: 'en-US',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': guild.id },
    context: 0,
    attachment_size_limit: ATTACHMENT_SIZE_LIMIT_BYTES,
    data: fields.data,
  };
}
