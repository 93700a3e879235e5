import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/discord/command.ts';
import { STALE_COMMAND } from '../src/discord/errors.ts';
import { UserError } from '../src/errors.ts';
import { assertMayTalkToEveryone } from '../src/discord/permissions.ts';
import { assertBotCanSpeakIn, assertInGuild, requireMemberVoiceChannel } from '../src/discord/voice-channels.ts';
import { parseTalkMode, TALK_MODE_CHOICES } from '../src/listen/talk-mode.ts';

export default {
  data: new SlashCommandBuilder()
    .setName('talk')
    .setDescription('Talk with Parley in your voice channel.')
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((s) =>
      s
        .setName('start')
        .setDescription('Parley listens to you (and answers aloud) until you stop.')
        .addBooleanOption((o) => o.setName('everyone').setDescription('Listen to everyone in the channel (moderators)'))
        .addStringOption((o) =>
          o
            .setName('mode')
            .setDescription("all: answer everything; addressed: with several people, only what is said to Parley (server default)")
            .addChoices(...TALK_MODE_CHOICES),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('stop')
        .setDescription('Parley stops listening to you.')
        .addBooleanOption((o) => o.setName('everyone').setDescription('Stop listening to everyone (moderators)')),
    ),
  async execute(interaction, ctx) {
    assertInGuild(interaction);
    const member = interaction.member;
    const everyone = interaction.options.getBoolean('everyone') ?? false;
    const subcommand = interaction.options.getSubcommand();
    if (subcommand !== 'start' && subcommand !== 'stop') throw new UserError(STALE_COMMAND);
    if (subcommand === 'stop') {
      const talk = ctx.talk.get(interaction.guildId);
      if (!talk) throw new UserError("I'm not listening to anyone here.");
      if (everyone) {
        // A moderator's `everyone` is stopped only by a moderator, judged in the channel it listens to.
        const where = member.guild.channels.cache.get(ctx.voice.get(interaction.guildId)?.channelId ?? '');
        assertMayTalkToEveryone(member, where?.isVoiceBased() ? where : undefined);
        talk.close();
      } else if (!talk.forget(member.id)) throw new UserError("I wasn't listening to you.");
      await interaction.reply({ content: everyone ? 'I stopped listening to everyone.' : 'I stopped listening to you.', flags: MessageFlags.Ephemeral });
      return;
    }
    const modeOption = interaction.options.getString('mode');
    if (modeOption !== null && !parseTalkMode(modeOption)) throw new UserError('The mode must be `all` or `addressed`.');
    const mode = parseTalkMode(modeOption) ?? (await ctx.store.getSettings(interaction.guildId)).talkMode ?? 'all';
    const channel = requireMemberVoiceChannel(member);
    if (everyone) assertMayTalkToEveryone(member, channel);
    const current = ctx.voice.get(interaction.guildId)?.channelId;
    if (current && current !== channel.id) throw new UserError(`I'm in <#${current}> right now. Join me there, or use /join first.`);
    assertBotCanSpeakIn(channel);
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const { session } = await ctx.voice.join(channel);
    const talk = ctx.talk.ensure(session);
    talk.mode = mode;
    if (everyone) {
      talk.everyone = true;
      for (const other of channel.members.values()) talk.listen(other);
    } else {
      talk.listen(member);
    }
    const names = talk.listening.map((id) => channel.members.get(id)?.displayName ?? id);
    const pause = (ctx.config.silenceMs / 1000).toFixed(1);
    const addressed = mode === 'addressed' ? ' With several of you here, I answer only when you speak to me (say my name).' : '';
    await talk.say(`🎙️ Listening to ${everyone ? 'everyone here' : names.join(', ')}. Speak, then pause: I answer after ${pause} s of silence.${addressed} \`/talk stop\` ends it.`);
    await interaction.editReply(everyone ? 'Listening to everyone in the channel.' : "I'm listening. Go ahead and talk.");
  },
} satisfies SlashCommand;
