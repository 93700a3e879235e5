/**
 * Answers for members who are not in voice: a Discord voice message (Ogg Opus with duration and
 * waveform, flag IS_VOICE_MESSAGE) in the channel, or a plain audio attachment on the reply where the
 * bot may not post voice messages.
 */
import { AttachmentBuilder, MessageFlags, type ChatInputCommandInteraction, type MessageContextMenuCommandInteraction } from 'discord.js';
import type { AppContext } from '../app-context.ts';
import { NO_MENTIONS } from '../discord/errors.ts';

export const ANSWER_FILE_NAME = 'parley-answer.ogg';

/**
 * Posts the answer as a voice message in the interaction's channel and shows `content` in the reply;
 * falls back to attaching the audio to the reply. Returns how it was delivered.
 */
export async function deliverAsVoiceMessage(
  interaction: ChatInputCommandInteraction | MessageContextMenuCommandInteraction,
  pcm16: Buffer,
  content: string,
  ctx: Pick<AppContext, 'audioJobs' | 'log'>,
): Promise<'voice-message' | 'attachment'> {
  // Encoding minutes of audio takes a while: it runs in the audio workers, not on the main thread.
  const { ogg, durationSecs, waveform } = await ctx.audioJobs.encodeVoiceMessage(pcm16);
  const channel = interaction.channel;
  if (channel?.isSendable()) {
    let posted = false;
    try {
      const attachment = new AttachmentBuilder(ogg, { name: ANSWER_FILE_NAME }).setDuration(durationSecs).setWaveform(waveform);
      // A voice message may carry no text, so the transcript stays in the interaction reply.
      await channel.send({ files: [attachment], flags: MessageFlags.IsVoiceMessage, allowedMentions: NO_MENTIONS });
      posted = true;
    } catch (err) {
      ctx.log.info('voice message not possible here; attaching the audio instead', { err: err as Error });
    }
    // Once the voice message is out, a failing reply edit must not attach the same audio again.
    if (posted) {
      await interaction.editReply({ content, allowedMentions: NO_MENTIONS });
      return 'voice-message';
    }
  }
  await interaction.editReply({
    content,
    files: [new AttachmentBuilder(ogg, { name: ANSWER_FILE_NAME })],
    allowedMentions: NO_MENTIONS,
  });
  return 'attachment';
}
