import { ChannelType, InteractionContextType, MessageFlags, SlashCommandBuilder, type VoiceBasedChannel } from 'discord.js';
import type { SlashCommand } from '../src/discord/command.ts';
import { botActivity } from '../src/discord/bot-activity.ts';
import { assertMayMoveBot } from '../src/discord/permissions.ts';
import { UserError } from '../src/errors.ts';
import { privacyCodeNote } from '../src/voice/e2ee.ts';
import { assertBotCanSpeakIn, assertInGuild, requireMemberVoiceChannel, VOICE_CHANNEL_TYPES } from '../src/discord/voice-channels.ts';

export default {
  data: new SlashCommandBuilder()
    .setName('join')
    .setDescription('Join your voice channel, or the one you name.')
    .setContexts(InteractionContextType.Guild)
    .addChannelOption((o) =>
      o.setName('channel').setDescription('Voice or stage channel to join (default: yours)').addChannelTypes(...VOICE_CHANNEL_TYPES),
    ),
  async execute(interaction, ctx) {
    assertInGuild(interaction);
    const member = interaction.member;
    const named = interaction.options.getChannel('channel');
    if (named && named.type !== ChannelType.GuildVoice && named.type !== ChannelType.GuildStageVoice) {
      throw new UserError(`${named.name ?? 'That channel'} is not a voice or stage channel.`);
    }
    const channel = (named as VoiceBasedChannel | null) ?? requireMemberVoiceChannel(member);
    if (ctx.voice.get(channel.guild.id)?.channelId === channel.id) {
      await interaction.reply({ content: `I'm already in ${channel.name}.`, flags: MessageFlags.Ephemeral });
      return;
    }
    const activity = botActivity(ctx, channel.guild);
    if (activity) assertMayMoveBot(member, activity);
    assertBotCanSpeakIn(channel);
    await interaction.deferReply();
    const { session } = await ctx.voice.join(channel);
    await interaction.editReply(`Joined ${channel.name}.${await privacyCodeNote(session.e2ee, channel.members.some((m) => !m.user.bot))}`);
  },
} satisfies SlashCommand;
