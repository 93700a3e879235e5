import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/discord/command.ts';
import { assertInGuild } from '../src/discord/voice-channels.ts';
import { formatLatencyLines, renderLatencyChart } from '../src/charts/latency-chart.ts';
import { LATENCY_TURNS_KEPT } from '../src/listen/turn-latency.ts';

export default {
  data: new SlashCommandBuilder()
    .setName('latency')
    .setDescription(`How fast Parley answered the last ${LATENCY_TURNS_KEPT} spoken turns here, as a picture.`)
    .setContexts(InteractionContextType.Guild),
  async execute(interaction, ctx) {
    assertInGuild(interaction);
    const turns = ctx.talk.latency.recent(interaction.guildId);
    if (turns.length === 0) {
      await interaction.reply({ content: 'No spoken turns here since Parley started. Use `/talk start`, speak, and try again.', flags: MessageFlags.Ephemeral });
      return;
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const png = await renderLatencyChart(turns, ctx.config.silenceMs);
    await interaction.editReply({
      content: formatLatencyLines(turns, ctx.config.silenceMs),
      files: [{ attachment: png, name: 'latency.png', description: 'Timeline of the last spoken turns' }],
      allowedMentions: { parse: [] },
    });
  },
} satisfies SlashCommand;
