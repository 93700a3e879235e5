import { ApplicationCommandType, ContextMenuCommandBuilder, InteractionContextType, MessageFlags } from 'discord.js';
import { audioFromAttachment, audioLimits, checkDeclaredSize } from '../src/answers/attachment-audio.ts';
import { admitQuestion, answerQuestion } from '../src/answers/ask.ts';
import type { MessageCommand } from '../src/discord/command.ts';
import { UserError } from '../src/errors.ts';

export default {
  kind: 'message',
  data: new ContextMenuCommandBuilder()
    .setName('Ask Parley')
    .setType(ApplicationCommandType.Message)
    .setContexts(InteractionContextType.Guild),
  async execute(interaction, ctx) {
    if (!interaction.inCachedGuild()) throw new UserError('This command works in a server, not in direct messages.');
    const message = interaction.targetMessage;
    // A voice message's single attachment is audio; otherwise take the first file that says it is audio
    // (its bytes are checked afterwards, so a lying content type is caught there).
    const attachment = message.flags.has(MessageFlags.IsVoiceMessage)
      ? message.attachments.first()
      : (message.attachments.find((a) => a.contentType?.startsWith('audio/') || /\.(wav|mp3|ogg|opus)$/i.test(a.name)) ??
        message.attachments.first());
    if (!attachment) throw new UserError('That message has no recording or voice message to ask about.');
    const limits = audioLimits(ctx.config);
    checkDeclaredSize(attachment, limits);
    if (!(await admitQuestion(interaction, ctx))) return;
    await interaction.deferReply();
    const audio = await audioFromAttachment(attachment, limits, ctx.audioJobs);
    const about = message.content.trim() ? `About this message: ${message.content.trim().slice(0, 500)}` : undefined;
    await answerQuestion(interaction, ctx, { text: about, audio, speak: true });
  },
} satisfies MessageCommand;
