/**
 * Registers the loaded commands with Discord: in one guild when DISCORD_GUILD_ID is set (instant,
 * for development), globally otherwise. Used at start-up and by `npm run deploy-commands`.
 */
import { REST, Routes } from 'discord.js';
import type { Config } from '../config.ts';
import type { Command } from './command.ts';
import { commandBodies } from './loader.ts';

export function createRest(config: Config): REST {
  return new REST(config.discordApiBase ? { api: config.discordApiBase } : {}).setToken(config.discordToken);
}

/** PUTs the whole command set (Discord replaces what was there); returns where it went. */
export async function registerCommands(rest: REST, config: Config, commands: Map<string, Command>): Promise<string> {
  const body = commandBodies(commands);
  if (config.discordGuildId) {
    await rest.put(Routes.applicationGuildCommands(config.discordClientId, config.discordGuildId), { body });
    return `${body.length} commands registered in guild ${config.discordGuildId}`;
  }
  await rest.put(Routes.applicationCommands(config.discordClientId), { body });
  return `${body.length} commands registered globally (Discord may take up to an hour to show changes)`;
}
