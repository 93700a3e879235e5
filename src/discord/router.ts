/**
 * Routes interactions to the loaded commands and sends every failure through the one error path.
 */
import type { Interaction } from 'discord.js';
import type { AppContext } from '../app-context.ts';
import type { Command } from './command.ts';
import { handleCommandError, isStaleOptionError, STALE_COMMAND } from './errors.ts';
import { UserError } from '../errors.ts';

export function createInteractionRouter(commands: Map<string, Command>, ctx: AppContext) {
  return async (interaction: Interaction): Promise<void> => {
    if (!interaction.isChatInputCommand() && !interaction.isMessageContextMenuCommand()) return;
    const log = ctx.log.child({
      interactionId: interaction.id,
      command: interaction.commandName,
      guildId: interaction.guildId,
      channelId: interaction.channelId,
      userId: interaction.user.id,
    });
    const command = commands.get(interaction.commandName);
    if (ctx.shutdown.aborted) {
      await handleCommandError(interaction, new UserError("I'm restarting. Please try again in a minute."), log);
      return;
    }
    try {
      if (!command) {
        // Registered commands and code disagree (a stale deploy): tell the member rather than time out.
        log.warn('unknown command: run npm run deploy-commands');
        await handleCommandError(interaction, new UserError(STALE_COMMAND), log);
        return;
      }
      const started = performance.now();
      if (interaction.isChatInputCommand() && command.kind !== 'message') {
        await command.execute(interaction, { ...ctx, log });
      } else if (interaction.isMessageContextMenuCommand() && command.kind === 'message') {
        await command.execute(interaction, { ...ctx, log });
      } else {
        log.warn('command kind does not match the interaction: run npm run deploy-commands');
        throw new UserError(STALE_COMMAND);
      }
      log.debug('command done', { ms: Math.round(performance.now() - started) });
    } catch (err) {
      if (!(err instanceof UserError) && !isStaleOptionError(err)) ctx.metrics.error('command');
      await handleCommandError(interaction, err, log);
    }
  };
}
