import { AttachmentBuilder, InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { SPEECH_SPEED_MAX, SPEECH_SPEED_MIN } from '../src/ai/speech.ts';
import { announce } from '../src/announce/announce.ts';
import {
  ANNOUNCE_STYLE_MAX_CHARS,
  assertBotCanAnnounceIn,
  assertMayAnnounce,
  parseAnnounceOptions,
  resolveTargetChannel,
} from '../src/announce/checks.ts';
import { PREVIEW_FILE_NAME, renderPreview } from '../src/announce/preview.ts';
import { finishedReply, playingReply, previewReply, queuedReply } from '../src/announce/replies.ts';
import type { VoiceSettings } from '../src/announce/voicing.ts';
import type { SlashCommand } from '../src/discord/command.ts';
import { NO_MENTIONS } from '../src/discord/errors.ts';
import { UserError } from '../src/errors.ts';
import { assertInGuild, VOICE_CHANNEL_TYPES } from '../src/discord/voice-channels.ts';
import type { Logger } from '../src/log.ts';

/** Discord's ceiling for a string option; longer texts (up to 20,000) would need another input path. */
const DISCORD_STRING_MAX = 6_000;

export default {
  data: new SlashCommandBuilder()
    .setName('announce')
    .setDescription('Speak an announcement in a voice or stage channel (moderators).')
    .setContexts(InteractionContextType.Guild)
    // Discord requires every bit of default_member_permissions, so ManageGuild | MuteMembers would mean
    // both; Mute Members is the moderators' permission. The run-time check accepts either of the two.
    .setDefaultMemberPermissions(PermissionFlagsBits.MuteMembers)
    .addStringOption((o) =>
      o.setName('text').setDescription('What to say, up to 20,000 characters (a command box holds 6,000)').setRequired(true).setMaxLength(DISCORD_STRING_MAX),
    )
    .addChannelOption((o) =>
      o.setName('channel').setDescription('Voice or stage channel (default: yours)').addChannelTypes(...VOICE_CHANNEL_TYPES),
    )
    .addStringOption((o) => o.setName('voice').setDescription('alloy, ash, coral, marin, cedar... or a custom voice id').setMaxLength(80))
    .addStringOption((o) =>
      o.setName('style').setDescription(`How to say it, e.g. "calm and slow" (up to ${ANNOUNCE_STYLE_MAX_CHARS} characters)`).setMaxLength(ANNOUNCE_STYLE_MAX_CHARS),
    )
    .addNumberOption((o) =>
      o.setName('speed').setDescription(`${SPEECH_SPEED_MIN} to ${SPEECH_SPEED_MAX}, 1 is normal`).setMinValue(SPEECH_SPEED_MIN).setMaxValue(SPEECH_SPEED_MAX),
    )
    .addBooleanOption((o) => o.setName('post').setDescription("Also post the text in the channel's chat"))
    .addBooleanOption((o) => o.setName('preview').setDescription('Only send me the audio; play nothing')),
  async execute(interaction, ctx) {
    assertInGuild(interaction);
    const member = interaction.member;
    const options = parseAnnounceOptions({
      text: interaction.options.getString('text'),
      voice: interaction.options.getString('voice'),
      style: interaction.options.getString('style'),
      speed: interaction.options.getNumber('speed'),
      post: interaction.options.getBoolean('post'),
      preview: interaction.options.getBoolean('preview'),
    });
    const channel = resolveTargetChannel(member, interaction.options.getChannel('channel'), !options.preview);
    assertMayAnnounce(member, channel);
    // Announcements spend like answers do (no cooldown for moderators, but the daily budget holds).
    const overBudget = await ctx.costs.budgetRefusal(interaction.guildId);
    if (overBudget) throw overBudget;
    const settings: VoiceSettings = {
      voice: options.voice ?? (await ctx.store.getSettings(interaction.guildId)).voice ?? ctx.config.voice,
      style: options.style,
      speed: options.speed,
    };

    if (options.preview) {
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const preview = await renderPreview(ctx, options.text, settings, { guildId: interaction.guildId, userId: member.id }, ctx.log);
      if (preview.ogg.length > interaction.attachmentSizeLimit) throw new UserError('That preview is too large to attach here. Try a shorter text.');
      await interaction.editReply({
        content: previewReply(preview.durationMs, preview.cutReason),
        files: [new AttachmentBuilder(preview.ogg, { name: PREVIEW_FILE_NAME })],
        allowedMentions: NO_MENTIONS,
      });
      return;
    }

    if (!channel) throw new UserError('Name a voice or stage channel with `channel`, or join one first.');
    assertBotCanAnnounceIn(channel, options.post);
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    // Edits go out one after another, so a late progress edit never overwrites the final one.
    let edits = Promise.resolve();
    const edit = (content: string) => (edits = edits.then(() => editQuietly(interaction, content, ctx.log)));
    const result = await announce(ctx, {
      channel,
      userId: member.id,
      text: options.text,
      settings,
      post: options.post,
      onQueued: (ahead) => void edit(queuedReply(ahead)),
      onStart: (parts) => void edit(playingReply(channel.id, parts)),
    });
    await edit(finishedReply(channel.id, result));
  },
} satisfies SlashCommand;

/** Progress edits may outlive the interaction (15 minutes): a failed edit is not the announcement's failure. */
async function editQuietly(interaction: ChatInputCommandInteraction, content: string, log: Logger): Promise<void> {
  try {
    await interaction.editReply({ content, allowedMentions: NO_MENTIONS });
  } catch (err) {
    log.info('could not update the announcement reply', { err: err as Error });
  }
}
