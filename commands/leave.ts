import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/discord/command.ts';
import { botActivity } from '../src/discord/bot-activity.ts';
import { assertMayMoveBot } from '../src/discord/permissions.ts';
import { assertInGuild } from '../src/discord/voice-channels.ts';

export default {
  data: new SlashCommandBuilder().setName('leave').setDescription('Leave the voice channel.').setContexts(InteractionContextType.Guild),
  async execute(interaction, ctx) {
    assertInGuild(interaction);
    const member = interaction.member;
    const session = ctx.voice.get(member.guild.id);
    const channelId = session?.channelId;
    const activity = botActivity(ctx, member.guild);
    if (activity) assertMayMoveBot(member, activity);
    if (!session || !ctx.voice.leave(member.guild.id)) {
      await interaction.reply({ content: "I'm not in a voice channel here.", flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.reply(channelId ? `Left <#${channelId}>.` : 'Left the voice channel.');
  },
} satisfies SlashCommand;
