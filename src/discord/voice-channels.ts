/**
 * Guard clauses shared by commands that put the bot in a voice channel: where the member is, whether
 * the target is a voice channel, and whether the bot may connect and speak there.
 */
import {
  ChannelType,
  PermissionFlagsBits,
  type ChatInputCommandInteraction,
  type GuildMember,
  type VoiceBasedChannel,
} from 'discord.js';
import { UserError } from '../errors.ts';

export const VOICE_CHANNEL_TYPES = [ChannelType.GuildVoice, ChannelType.GuildStageVoice] as const;

/** Commands are guild-only: narrows the interaction to one in a cached guild, or explains. */
export function assertInGuild(interaction: ChatInputCommandInteraction): asserts interaction is ChatInputCommandInteraction<'cached'> {
  if (!interaction.inCachedGuild()) throw new UserError('This command works in a server, not in direct messages.');
}

/** The voice channel the member is in, or a UserError that tells them to join one. */
export function requireMemberVoiceChannel(member: GuildMember): VoiceBasedChannel {
  const channel = member.voice.channel;
  if (!channel) throw new UserError('Join a voice channel first, or name one with the `channel` option.');
  return channel;
}

/** Throws a UserError naming what the bot lacks to join (and speak in) `channel`. */
export function assertBotCanSpeakIn(channel: VoiceBasedChannel): void {
  const me = channel.guild.members.me;
  const permissions = me ? channel.permissionsFor(me) : null;
  const missing: string[] = [];
  if (!permissions?.has(PermissionFlagsBits.ViewChannel)) missing.push('View Channel');
  if (!permissions?.has(PermissionFlagsBits.Connect)) missing.push('Connect');
  // On a stage the bot joins as an audience member and asks to speak later, so Speak is not required here.
  if (channel.type === ChannelType.GuildVoice && !permissions?.has(PermissionFlagsBits.Speak)) missing.push('Speak');
  if (missing.length > 0) {
    throw new UserError(`I can't join ${channel.name}: I need the ${missing.join(' and ')} permission${missing.length > 1 ? 's' : ''} there.`);
  }
  if (channel.full && !permissions?.has(PermissionFlagsBits.MoveMembers)) {
    throw new UserError(`${channel.name} is full.`);
  }
}
