/**
 * The shape of a command module in commands/: one file per slash or context-menu command, exporting
 * `default { data, execute }`. The loader validates this shape for both the deploy script and the router.
 */
import type {
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  RESTPostAPIApplicationCommandsJSONBody,
} from 'discord.js';
import type { AppContext } from '../app-context.ts';

interface CommandData {
  readonly name: string;
  toJSON(): RESTPostAPIApplicationCommandsJSONBody;
}

export interface SlashCommand {
  kind?: 'slash';
  data: CommandData;
  execute(interaction: ChatInputCommandInteraction, ctx: AppContext): Promise<void>;
}

export interface MessageCommand {
  kind: 'message';
  data: CommandData;
  execute(interaction: MessageContextMenuCommandInteraction, ctx: AppContext): Promise<void>;
}

export type Command = SlashCommand | MessageCommand;
