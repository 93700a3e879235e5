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
    )
    .addBooleanOption((o) => o.setName('follow').setDescription('Move with you when you go to another voice channel here')),
  async execute(interaction, ctx) {
    assertInGuild(interaction);
    const member = interaction.member;
    const named = interaction.options.getChannel('channel');
    const follow = interaction.options.getBoolean('follow');
    if (named && named.type !== ChannelType.GuildVoice && named.type !== ChannelType.GuildStageVoice) {
      throw new UserError(`${named.name ?? 'That channel'} is not a voice or stage channel.`);
    }
    const channel = (named as VoiceBasedChannel | null) ?? requireMemberVoiceChannel(member);
    const following = follow === true ? ` I'll follow you when you move to another voice channel.` : '';
    const setFollow = () => {
      if (follow === true) ctx.presence.follow(channel.guild.id, member.id);
      else if (follow === false) ctx.presence.unfollow(channel.guild.id);
    };
    if (ctx.voice.get(channel.guild.id)?.channelId === channel.id) {
      setFollow();
      await interaction.reply({ content: `I'm already in ${channel.name}.${following}`, flags: MessageFlags.Ephemeral });
      return;
    }
    const activity = botActivity(ctx, channel.guild);
    if (activity) assertMayMoveBot(member, activity);
    assertBotCanSpeakIn(channel);
    await interaction.deferReply();
    const { session } = await ctx.voice.join(channel);
    setFollow();
    await interaction.editReply(`Joined ${channel.name}.${following}${await privacyCodeNote(session.e2ee, channel.members.some((m) => !m.user.bot))}`);
  },
} satisfies SlashCommand;
