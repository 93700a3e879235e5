/**
 * The one error path for interactions: expected failures are `UserError`s whose message is fit for the
 * member; everything else is logged with context and answered with a generic sentence.
 */
import { MessageFlags, type RepliableInteraction } from 'discord.js';
import { redact, type Logger } from '../log.ts';

/** An expected failure whose message is shown to the member as it is. */
export class UserError extends Error {
  override name = 'UserError';
}

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

/** Maps any error thrown by a command to a reply; never throws itself. */
export async function handleCommandError(interaction: RepliableInteraction, err: unknown, log: Logger): Promise<void> {
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
