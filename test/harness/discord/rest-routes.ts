import { discordError } from './rest-server.ts';
import type { RestReply, RestRequest, RestRouter } from './rest-server.ts';
import { channelJson, memberJson } from './guild-json.ts';
import { checkMessagePayload, isEmptyMessage } from './message-rules.ts';
import { buildMessage, editMessage } from './message-json.ts';
import type { AttachmentStore } from './attachments.ts';
import type { CommandRegistry } from './commands.ts';
import type { FakeGuild } from './fake-guild.ts';
import type { FakeChannel } from './guild-types.ts';
import { Permission, hasPermissions } from './permissions.ts';
import { MessageFlag } from './types.ts';
import type { PostedMessage } from './types.ts';

/** What the bot-authenticated REST routes need from the fake. */
export interface RestRouteDeps {
  applicationId: string;
  botUser: Record<string, unknown>;
  gatewayUrl: string;
  /** Shards recommended by GET /gateway/bot. */
  recommendedShards: number;
  guilds: Map<string, FakeGuild>;
  commands: CommandRegistry;
  attachments: AttachmentStore;
  /** Records a message the bot posted (POST /channels/{id}/messages). */
  onPosted(message: PostedMessage): void;
  /** PATCH /guilds/{g}/voice-states/@me (stage speaker requests). */
  patchOwnVoiceState(guild: FakeGuild, body: any): RestReply;
}

const unknownChannel = (): RestReply => discordError(404, 10_003, 'Unknown Channel');
const ok = (body: unknown): RestReply => ({ status: 200, body });

/** Registers gateway, identity, command, channel, message, guild and voice-state routes. */
export function addRestRoutes(router: RestRouter, deps: RestRouteDeps): void {
  const botId = String(deps.botUser.id);
  const findChannel = (channelId: string): { guild: FakeGuild; channel: FakeChannel } | undefined => {
    for (const guild of deps.guilds.values()) {
      const channel = guild.channels.get(channelId);
      if (channel) return { guild, channel };
    }
    return undefined;
  };
  const sentMessages = new Map<string, any>();

  // https://discord.com/developers/docs/events/gateway#get-gateway-bot: `shards` is the recommended count.
  router.add('GET', '/gateway/bot', () =>
    ok({ url: deps.gatewayUrl, shards: deps.recommendedShards, session_start_limit: { total: 1_000, remaining: 1_000, reset_after: 0, max_concurrency: 1 } }),
  );
  router.add('GET', '/gateway', () => ok({ url: deps.gatewayUrl }), { auth: false });
  router.add('GET', '/users/@me', () => ok(deps.botUser));
  router.add('GET', '/applications/@me', () =>
    ok({ id: deps.applicationId, name: deps.botUser.username, description: '', icon: null, bot_public: true, bot_require_code_grant: false, flags: 0, bot: deps.botUser, owner: null, team: null, verify_key: '0'.repeat(64) }),
  );

  for (const scoped of [false, true]) {
    const base = scoped ? '/applications/:app/guilds/:guild/commands' : '/applications/:app/commands';
    const scopeOf = (params: string[]): string | undefined => (scoped ? params[1] : undefined);
    const wrongApp = (params: string[]): RestReply | undefined =>
      params[0] === deps.applicationId ? undefined : discordError(404, 10_002, 'Unknown Application');
    router.add('PUT', base, (request, params) => wrongApp(params) ?? ok(deps.commands.put(scopeOf(params), request.json)));
    router.add('GET', base, (_request, params) => wrongApp(params) ?? ok(deps.commands.list(scopeOf(params))));
    router.add('POST', base, (request, params) => wrongApp(params) ?? { status: 201, body: deps.commands.upsert(scopeOf(params), request.json) });
    router.add('DELETE', `${base}/:command`, (_request, params) =>
      wrongApp(params) ?? (deps.commands.remove(scopeOf(params), params[scoped ? 2 : 1]!) ? { status: 204 } : discordError(404, 10_063, 'Unknown application command')),
    );
  }

  router.add('GET', '/channels/:channel', (_request, [channelId]) => {
    const found = findChannel(channelId!);
    if (!found) return unknownChannel();
    if (!hasPermissions(found.guild.permissionsOf(botId, found.channel.id), Permission.ViewChannel)) return discordError(403, 50_001, 'Missing Access');
    return ok(channelJson(found.guild.id, found.channel));
  });

  router.add('POST', '/channels/:channel/typing', (_request, [channelId]) => (findChannel(channelId!) ? { status: 204 } : unknownChannel()));

  router.add('POST', '/channels/:channel/messages', (request, [channelId]) => {
    const found = findChannel(channelId!);
    if (!found) return unknownChannel();
    const problem = checkMessagePayload(request, found.guild.permissionsOf(botId, found.channel.id));
    if (problem) return problem;
    if (isEmptyMessage(request)) return discordError(400, 50_006, 'Cannot send an empty message');
    const flags = Number(request.json?.flags ?? 0);
    const message = buildMessage(request, deps.attachments, { channelId: found.channel.id, guildId: found.guild.id, author: deps.botUser }, flags);
    sentMessages.set(message.id, message);
    deps.onPosted(postedMessage(request, found.channel.id, flags, message));
    return ok(message);
  });

  router.add('GET', '/channels/:channel/messages/:message', (_request, [, messageId]) => {
    const message = sentMessages.get(messageId!);
    return message ? ok(message) : discordError(404, 10_008, 'Unknown Message');
  });
  router.add('PATCH', '/channels/:channel/messages/:message', (request, [, messageId]) => {
    const previous = sentMessages.get(messageId!);
    if (!previous) return discordError(404, 10_008, 'Unknown Message');
    if (previous.flags & MessageFlag.IsVoiceMessage) return discordError(400, 50_162, 'Voice messages cannot be edited.');
    const problem = checkMessagePayload(request);
    if (problem) return problem;
    const edited = editMessage(previous, request, deps.attachments, Number(request.json?.flags ?? previous.flags));
    sentMessages.set(edited.id, edited);
    return ok(edited);
  });
  router.add('DELETE', '/channels/:channel/messages/:message', (_request, [, messageId]) =>
    sentMessages.delete(messageId!) ? { status: 204 } : discordError(404, 10_008, 'Unknown Message'),
  );

  const guildRoute = (handler: (guild: FakeGuild, request: RestRequest, params: string[]) => RestReply) =>
    (request: RestRequest, params: string[]): RestReply => {
      const guild = deps.guilds.get(params[0]!);
      return guild ? handler(guild, request, params) : discordError(404, 10_004, 'Unknown Guild');
    };
  router.add('GET', '/guilds/:guild', guildRoute((guild) => ok(guild.toGuildJson())));
  router.add('GET', '/guilds/:guild/channels', guildRoute((guild) => ok([...guild.channels.values()].map((c) => channelJson(guild.id, c)))));
  router.add('GET', '/guilds/:guild/members/:user', guildRoute((guild, _request, [, userId]) => {
    const member = guild.members.get(userId!);
    return member ? ok(memberJson(member)) : discordError(404, 10_007, 'Unknown Member');
  }));
  router.add('PATCH', '/guilds/:guild/voice-states/@me', guildRoute((guild, request) => deps.patchOwnVoiceState(guild, request.json ?? {})));
}

function postedMessage(request: RestRequest, channelId: string, flags: number, message: any): PostedMessage {
  const body = request.json ?? {};
  const posted: PostedMessage = {
    id: message.id,
    channelId,
    body,
    flags,
    attachments: body.attachments ?? [],
    files: request.files.map(({ index: _index, ...file }) => file),
    at: performance.now(),
    message,
  };
  if (typeof body.content === 'string') posted.content = body.content;
  if (body.allowed_mentions !== undefined) posted.allowedMentions = body.allowed_mentions;
  return posted;
}
