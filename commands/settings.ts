import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { BUILT_IN_VOICES, describeVoice, parseVoice } from '../src/ai/voices.ts';
import type { SlashCommand } from '../src/discord/command.ts';
import { STALE_COMMAND } from '../src/discord/errors.ts';
import { UserError } from '../src/errors.ts';
import { fitMessage } from '../src/discord/live-reply.ts';
import { assertInGuild } from '../src/discord/voice-channels.ts';
import { parseTalkMode, TALK_MODE_CHOICES } from '../src/listen/talk-mode.ts';

const PERSONA_MAX = 4_000;

export default {
  data: new SlashCommandBuilder()
    .setName('settings')
    .setDescription("Parley's settings for this server.")
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) =>
      s
        .setName('voice')
        .setDescription('The voice Parley speaks with.')
        .addStringOption((o) =>
          o.setName('name').setDescription(`${BUILT_IN_VOICES.slice(0, 10).join(', ')}, or a custom voice id`).setRequired(true).setMaxLength(80),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('persona')
        .setDescription('Instructions for how Parley behaves; leave out the text to go back to the default.')
        .addStringOption((o) => o.setName('text').setDescription('The instructions').setMaxLength(PERSONA_MAX)),
    )
    .addSubcommand((s) =>
      s
        .setName('bargein')
        .setDescription('Whether speaking over Parley stops its answer.')
        .addBooleanOption((o) => o.setName('enabled').setDescription('On or off').setRequired(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('talkmode')
        .setDescription('How /talk starts when no mode is given.')
        .addStringOption((o) => o.setName('mode').setDescription('all or addressed').setRequired(true).addChoices(...TALK_MODE_CHOICES)),
    )
    .addSubcommand((s) => s.setName('show').setDescription('Show the current settings.')),
  async execute(interaction, ctx) {
    assertInGuild(interaction);
    const guildId = interaction.guildId;
    const sub = interaction.options.getSubcommand();
    let content: string;
    if (sub === 'voice') {
      const voice = parseVoice(interaction.options.getString('name', true));
      await ctx.store.updateSettings(guildId, { voice });
      content = `Parley now speaks with ${describeVoice(voice)}.`;
    } else if (sub === 'persona') {
      const text = (interaction.options.getString('text') ?? '').trim();
      if (text.length > PERSONA_MAX) throw new UserError(`The persona is too long: the limit is ${PERSONA_MAX} characters.`);
      await ctx.store.updateSettings(guildId, { persona: text || undefined });
      content = text ? 'Persona updated.' : 'Persona reset to the default.';
    } else if (sub === 'bargein') {
      const bargeIn = interaction.options.getBoolean('enabled', true);
      await ctx.store.updateSettings(guildId, { bargeIn });
      content = bargeIn ? 'Speaking over Parley now stops its answer.' : 'Parley now finishes its answers even when spoken over.';
    } else if (sub === 'talkmode') {
      const talkMode = parseTalkMode(interaction.options.getString('mode', true));
      if (!talkMode) throw new UserError('The mode must be `all` or `addressed`.');
      await ctx.store.updateSettings(guildId, { talkMode });
      content = talkMode === 'addressed' ? '/talk now starts in addressed mode: with several people, Parley answers only when spoken to.' : '/talk now starts answering everything.';
    } else if (sub === 'show') {
      const settings = await ctx.store.getSettings(guildId);
      const persona = settings.persona ?? ctx.config.persona;
      content = [
        `Voice: ${describeVoice(settings.voice ?? ctx.config.voice)}${settings.voice ? '' : ' (default)'}`,
        `Barge-in: ${settings.bargeIn ? 'on' : 'off'}`,
        `Talk mode: ${settings.talkMode ?? 'all (default)'}`,
        `Persona${settings.persona ? '' : ' (default)'}: ${fitMessage(persona, 1_500)}`,
      ].join('\n');
    } else {
      throw new UserError(STALE_COMMAND);
    }
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
  },
} satisfies SlashCommand;
