import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/discord/command.ts';
import { MANAGER_PERMISSIONS } from '../src/discord/permissions.ts';
import { assertInGuild } from '../src/discord/voice-channels.ts';
import { formatUsage } from '../src/cost/usage-report.ts';

export default {
  data: new SlashCommandBuilder()
    .setName('usage')
    .setDescription("What Parley has cost this server today and this month.")
    .setContexts(InteractionContextType.Guild),
  async execute(interaction, ctx) {
    assertInGuild(interaction);
    const moderator = interaction.member.permissions.any(MANAGER_PERMISSIONS);
    const content = formatUsage(ctx.store, interaction.guildId, {
      budgetUsd: ctx.config.dailyBudgetUsd,
      withTopMembers: moderator,
      now: Date.now(),
    });
    await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
} satisfies SlashCommand;
