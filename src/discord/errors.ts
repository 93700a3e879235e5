/**
 * The one error path for interactions: expected failures are `UserError`s whose message is fit for the
 * member; everything else is logged with context and answered with a generic sentence.
 */
import { MessageFlags, type RepliableInteraction } from 'discord.js';
import { UserError } from '../errors.ts';
import { redact, type Logger } from '../log.ts';

export const GENERIC_FAILURE = 'Something went wrong on my side. Please try again in a moment.';

/** Text and mentions a reply from Parley never pings anyone with. */
export const NO_MENTIONS = { parse: [] as never[] };

/**
 * Answers `interaction` with a short message, ephemeral where the protocol still allows it: a fresh
 * interaction gets an ephemeral reply; a deferred one has its placeholder edited; one that already
 * shows content gets an ephemeral follow-up so nothing already said is lost.
 */
export async function replyBriefly(interaction: RepliableInteraction, content: string): Promise<void> {
  const message = redact(content).slice(0, 1_900);
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply({ content: message, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  } else if (interaction.deferred && !interaction.replied) {
    await interaction.editReply({ content: message, allowedMentions: NO_MENTIONS });
  } else {
    await interaction.followUp({ content: message, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  }
}

/** discord.js's errors for options that do not match the command's definition. */
const STALE_OPTION_CODES = new Set([
  'CommandInteractionOptionNotFound',
  'CommandInteractionOptionType',
  'CommandInteractionOptionEmpty',
  'CommandInteractionOptionNoSubcommand',
  'CommandInteractionOptionNoSubcommandGroup',
  'CommandInteractionOptionInvalidChannelType',
]);

export const STALE_COMMAND =
  'This command looks out of date: Discord is still updating it. Please try again in a minute.';

/** Whether discord.js refused an option because it does not match the command's definition. */
export function isStaleOptionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STALE_OPTION_CODES.has(code);
}

/**
 * Options that do not fit the command's definition mean Discord still shows an older registration
 * (a deploy has not propagated yet): the member is told to retry, the operator to redeploy.
 */
function asStaleCommand(err: unknown, log: Logger): UserError | undefined {
  if (!isStaleOptionError(err)) return undefined;
  const code = (err as { code: string }).code;
  log.warn('options do not match the command definition: run npm run deploy-commands if this persists', { code });
  return new UserError(STALE_COMMAND);
}

/** Maps any error thrown by a command to a reply; never throws itself. */
export async function handleCommandError(interaction: RepliableInteraction, thrown: unknown, log: Logger): Promise<void> {
  const err = asStaleCommand(thrown, log) ?? thrown;
  const expected = err instanceof UserError;
  if (!expected) {
    log.error('command failed', { err: err instanceof Error ? err : new Error(String(err)) });
  }
  try {
    await replyBriefly(interaction, expected ? err.message : GENERIC_FAILURE);
  } catch (replyErr) {
    // The interaction may have expired (15 min) or been deleted: nothing more can be said to the member.
    log.warn('could not send the error reply', { err: replyErr instanceof Error ? replyErr : new Error(String(replyErr)) });
  }
}
