import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { audioFromAttachment, audioLimits, checkDeclaredSize } from '../src/answers/attachment-audio.ts';
import { admitQuestion, answerQuestion, checkPrompt } from '../src/answers/ask.ts';
import type { SlashCommand } from '../src/discord/command.ts';
import { UserError } from '../src/errors.ts';
import { assertInGuild } from '../src/discord/voice-channels.ts';

/** Discord's own ceiling for a string option; the configured limit is checked at run time. */
const DISCORD_STRING_MAX = 6_000;

export default {
  data: new SlashCommandBuilder()
    .setName('ask')
    .setDescription('Ask Parley; the answer is spoken in your voice channel, or sent as a voice message.')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((o) => o.setName('prompt').setDescription('Your question').setMaxLength(DISCORD_STRING_MAX))
    .addAttachmentOption((o) => o.setName('audio').setDescription('A recording to ask about (WAV, MP3, Ogg Opus)'))
    .addBooleanOption((o) => o.setName('speak').setDescription('Answer aloud (default) or in text only')),
  async execute(interaction, ctx) {
    assertInGuild(interaction);
    const prompt = checkPrompt(interaction.options.getString('prompt'), ctx.config.promptMaxChars);
    const attachment = interaction.options.getAttachment('audio');
    if (!prompt && !attachment) throw new UserError('Type a question in `prompt`, or attach a recording in `audio`.');
    const limits = audioLimits(ctx.config);
    if (attachment) checkDeclaredSize(attachment, limits);
    if (!(await admitQuestion(interaction, ctx))) return;
    await interaction.deferReply();
    const audio = attachment ? await audioFromAttachment(attachment, limits, ctx.audioJobs) : undefined;
    await answerQuestion(interaction, ctx, { text: prompt, audio, speak: interaction.options.getBoolean('speak') ?? true });
  },
} satisfies SlashCommand;
