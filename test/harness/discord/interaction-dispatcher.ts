import { nextSnowflake, randomToken } from './ids.ts';
import { InteractionRecord } from './interaction-record.ts';
import type { InteractionRegistry } from './interaction-record.ts';
import { interactionPayload, messageCommandData, slashCommandData } from './interaction-payloads.ts';
import type { MessageCommandRequest, SlashCommandRequest } from './interaction-payloads.ts';
import type { CommandRegistry } from './commands.ts';
import type { FakeGuild } from './fake-guild.ts';

/** What sending interactions needs from the fake. */
export interface InteractionDispatcherDeps {
  applicationId: string;
  botUserId: string;
  commands: CommandRegistry;
  registry: InteractionRegistry;
  guild(guildId: string): FakeGuild;
  /** False until the bot identified: Discord cannot deliver interactions to a bot that never connected. */
  botConnected(): boolean;
  dispatch(event: string, data: Record<string, unknown>): void;
  signal: AbortSignal;
}

/** Users invoking commands: builds INTERACTION_CREATE payloads, dispatches them and tracks the answers. */
export class InteractionDispatcher {
  readonly #deps: InteractionDispatcherDeps;

  constructor(deps: InteractionDispatcherDeps) {
    this.#deps = deps;
  }

  /** A chat-input command; options are typed from the registered command when there is one. */
  sendSlashCommand(request: SlashCommandRequest): InteractionRecord {
    const guild = this.#deps.guild(request.guildId);
    const member = guild.member(request.userId);
    const data = slashCommandData(guild, this.#deps.commands.find(request.name, 1, guild.id), request, member);
    return this.#dispatch(guild, request.channelId, member.id, data);
  }

  /** A message context-menu command (data.type 3, target_id + resolved.messages). */
  sendMessageCommand(request: MessageCommandRequest): InteractionRecord {
    const guild = this.#deps.guild(request.guildId);
    const member = guild.member(request.userId);
    const data = messageCommandData(guild, this.#deps.commands.find(request.name, 3, guild.id), request);
    return this.#dispatch(guild, request.channelId, member.id, data);
  }

  #dispatch(guild: FakeGuild, channelNameOrId: string, userId: string, data: Record<string, unknown>): InteractionRecord {
    if (!this.#deps.botConnected()) throw new Error('FakeDiscord: the bot is not connected to the gateway');
    const channel = guild.channel(channelNameOrId);
    const record = new InteractionRecord(
      { id: nextSnowflake(), token: `aW50ZXJhY3Rpb246${randomToken(48)}`, guildId: guild.id, channelId: channel.id },
      this.#deps.signal,
    );
    this.#deps.registry.add(record);
    this.#deps.dispatch(
      'INTERACTION_CREATE',
      interactionPayload({
        id: record.id,
        token: record.token,
        applicationId: this.#deps.applicationId,
        botId: this.#deps.botUserId,
        guild,
        channel,
        member: guild.member(userId),
        data,
      }),
    );
    return record;
  }
}
