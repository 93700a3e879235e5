import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/discord/command.ts';
import { MANAGER_PERMISSIONS } from '../src/discord/permissions.ts';
import { assertInGuild } from '../src/discord/voice-channels.ts';
import { formatUsage } from '../src/cost/usage-report.ts';
import { renderSpendChart, SPEND_CHART_DAYS, spendSeries } from '../src/charts/spend-chart.ts';

const DAY_MS = 86_400_000;

export default {
  data: new SlashCommandBuilder()
    .setName('usage')
    .setDescription("What Parley has cost this server today and this month.")
    .setContexts(InteractionContextType.Guild),
  async execute(interaction, ctx) {
    assertInGuild(interaction);
    const moderator = interaction.member.permissions.any(MANAGER_PERMISSIONS);
    const now = Date.now();
    // Deferred first: the store (PostgreSQL, perhaps) and the chart may take longer than Discord's 3 s.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const content = await formatUsage(ctx.store, interaction.guildId, {
      budgetUsd: ctx.config.dailyBudgetUsd,
      withTopMembers: moderator,
      now,
    });
    const days = spendSeries(await ctx.store.dailySpend(interaction.guildId, now - SPEND_CHART_DAYS * DAY_MS), now);
    const png = await renderSpendChart(interaction.guildId, days, ctx.config.dailyBudgetUsd);
    await interaction.editReply({
      content,
      files: [{ attachment: png, name: 'spend-30-days.png', description: `Estimated spend per day, last ${SPEND_CHART_DAYS} days` }],
      allowedMentions: { parse: [] },
    });
  },
} satisfies SlashCommand;
