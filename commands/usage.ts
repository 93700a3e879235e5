import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/discord/command.ts';
import { assertInGuild } from '../src/discord/voice-channels.ts';
import { formatUsage } from '../src/cost/usage-report.ts';

export default {
  data: new SlashCommandBuilder()
    .setName('usage')
    .setDescription("What Parley has cost this server today and this month.")
    .setContexts(InteractionContextType.Guild),
  async execute(interaction, ctx) {
    assertInGuild(interaction);
    const moderator = interaction.member.permissions.has(PermissionFlagsBits.ManageGuild);
    const content = await formatUsage(ctx.store, interaction.guildId, {
      budgetUsd: ctx.config.dailyBudgetUsd,
      withTopMembers: moderator,
      now: Date.now(),
    });
    await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  },
} satisfies SlashCommand;
