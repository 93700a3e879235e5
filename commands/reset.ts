import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/discord/command.ts';
import { QueueFullError } from '../src/conversation/serialize.ts';
import { UserError } from '../src/errors.ts';
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
    // After the turns already running or queued in the channel, which may take a while: defer first.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const removed = await ctx.turns.run(channelId, async () => ctx.store.resetConversation(channelId)).catch((err: unknown) => {
      if (err instanceof QueueFullError) throw new UserError('This conversation is busy right now. Please try again in a moment.');
      throw err;
    });
    await interaction.editReply(
      removed > 0 ? `Forgot the conversation in <#${channelId}> (${removed} turns).` : `There was nothing to forget in <#${channelId}>.`,
    );
  },
} satisfies SlashCommand;
