/**
 * The guard clauses of /announce, run before anything is requested or played: the options, the
 * target channel, the member's right to announce there and the bot's ability to speak (and post) there.
 */
import {
  ChannelType,
  PermissionFlagsBits,
  type Channel,
  type GuildMember,
  type VoiceBasedChannel,
} from 'discord.js';
import { SPEECH_SPEED_MAX, SPEECH_SPEED_MIN } from '../ai/speech.ts';
import { parseVoice, type VoiceChoice } from '../ai/voices.ts';
import { UserError } from '../errors.ts';
import { ANNOUNCER_PERMISSIONS } from '../discord/permissions.ts';
import { assertBotCanSpeakIn } from '../discord/voice-channels.ts';

/** Longest announcement text, in characters (spoken in parts of at most 4,096). */
export const ANNOUNCE_TEXT_MAX_CHARS = 20_000;
/** Longest `style` (the API takes 4,096 for instructions; a style needs far less). */
export const ANNOUNCE_STYLE_MAX_CHARS = 1_000;

export interface AnnounceOptions {
  text: string;
  voice?: VoiceChoice;
  style?: string;
  /** 0.25..4, 1 = normal. */
  speed: number;
  post: boolean;
  preview: boolean;
}

/** The options as the interaction carries them (null = not given). */
export interface RawAnnounceOptions {
  text: string | null;
  voice: string | null;
  style: string | null;
  speed: number | null;
  post: boolean | null;
  preview: boolean | null;
}

/** Validates and normalizes the options; throws a UserError naming the first problem. */
export function parseAnnounceOptions(raw: RawAnnounceOptions): AnnounceOptions {
  const text = raw.text?.trim() ?? '';
  if (text === '') throw new UserError('The announcement is empty: put what I should say in `text`.');
  if (text.length > ANNOUNCE_TEXT_MAX_CHARS) {
    throw new UserError(`That announcement is too long: ${text.length.toLocaleString('en')} characters, the limit is ${ANNOUNCE_TEXT_MAX_CHARS.toLocaleString('en')}.`);
  }
  const style = raw.style?.trim() || undefined;
  if (style && style.length > ANNOUNCE_STYLE_MAX_CHARS) {
    throw new UserError(`The style is too long: ${style.length.toLocaleString('en')} characters, the limit is ${ANNOUNCE_STYLE_MAX_CHARS.toLocaleString('en')}.`);
  }
  const speed = raw.speed ?? 1;
  if (!Number.isFinite(speed) || speed < SPEECH_SPEED_MIN || speed > SPEECH_SPEED_MAX) {
    throw new UserError(`\`speed\` must be from ${SPEECH_SPEED_MIN} to ${SPEECH_SPEED_MAX} (1 is normal).`);
  }
  const voice = raw.voice?.trim() ? parseVoice(raw.voice) : undefined;
  return { text, voice, style, speed, post: raw.post ?? false, preview: raw.preview ?? false };
}

/**
 * The channel to announce in: the one named, else the member's voice channel. Undefined only when
 * nothing is named, the member is not in voice, and no channel is `required` (a preview).
 */
export function resolveTargetChannel(member: GuildMember, named: Channel | null, required: boolean): VoiceBasedChannel | undefined {
  if (named) {
    if (named.type !== ChannelType.GuildVoice && named.type !== ChannelType.GuildStageVoice) {
      const name = 'name' in named && named.name ? named.name : 'That channel';
      throw new UserError(`${name} is not a voice or stage channel.`);
    }
    return named;
  }
  const own = member.voice.channel ?? undefined;
  if (!own && required) throw new UserError('Name a voice or stage channel with `channel`, or join one first.');
  return own;
}

/**
 * Re-checks, whatever the command's default permissions were loosened to, that the member may announce:
 * Manage Server or Mute Members in the target channel (guild-wide for a preview without one).
 */
export function assertMayAnnounce(member: GuildMember, channel: VoiceBasedChannel | undefined): void {
  const permissions = channel ? channel.permissionsFor(member) : member.permissions;
  if (permissions.any(ANNOUNCER_PERMISSIONS)) return;
  const where = channel ? ` in ${channel.name}` : '';
  throw new UserError(`Only moderators (Manage Server or Mute Members${where}) can make announcements.`);
}

/** Throws a UserError naming what the bot lacks to be heard in `channel` (and to post there). */
export function assertBotCanAnnounceIn(channel: VoiceBasedChannel, post: boolean): void {
  assertBotCanSpeakIn(channel);
  const me = channel.guild.members.me;
  const permissions = me ? channel.permissionsFor(me) : null;
  if (channel.type === ChannelType.GuildStageVoice) {
    const alreadySpeaker = me?.voice.channelId === channel.id && !me.voice.suppress;
    if (!alreadySpeaker && !permissions?.has(PermissionFlagsBits.MuteMembers)) {
      throw new UserError(`I can't speak on the stage ${channel.name}: I need the Mute Members permission there to become a speaker.`);
    }
  }
  if (post && !permissions?.has([PermissionFlagsBits.ViewChannel, PermissionFlagsBits.SendMessages])) {
    throw new UserError(`I can't post in ${channel.name}'s chat: I need the Send Messages permission there. Leave out \`post\`, or give me that permission.`);
  }
}
