import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/discord/command.ts';
import { assertInGuild } from '../src/discord/voice-channels.ts';

export default {
  data: new SlashCommandBuilder()
    .setName('reset')
    .setDescription("Forget this channel's conversation (the voice channel's when I'm talking in yours).")
    .setContexts(InteractionContextType.Guild),
  async execute(interaction, ctx) {
    assertInGuild(interaction);
    // The conversation a member means is the one they hear: their voice channel when Parley is in it.
    const voiceChannelId = interaction.member.voice.channelId;
    const inSameVoice = voiceChannelId !== null && ctx.voice.get(interaction.guildId)?.channelId === voiceChannelId;
    const channelId = inSameVoice ? voiceChannelId : interaction.channelId;
    const removed = await ctx.turns.run(channelId, async () => ctx.store.resetConversation(channelId));
    await interaction.reply({
      content: removed > 0 ? `Forgot the conversation in <#${channelId}> (${removed} turns).` : `There was nothing to forget in <#${channelId}>.`,
      flags: MessageFlags.Ephemeral,
    });
  },
} satisfies SlashCommand;
