/**
 * Who may do what with Parley, in one table: every command checks its rule here, and the README's
 * permission table is rendered from {@link PERMISSION_TABLE} (a test keeps the two the same).
 */
import { PermissionFlagsBits, type GuildMember, type VoiceBasedChannel } from 'discord.js';
import { UserError } from '../errors.ts';

/** Members who may make announcements: either permission, in the target channel. */
export const ANNOUNCER_PERMISSIONS = [PermissionFlagsBits.ManageGuild, PermissionFlagsBits.MuteMembers];
/** Voice moderators: the announcers, plus Move Members (Discord's own right to move people between channels). */
export const VOICE_MODERATOR_PERMISSIONS = [PermissionFlagsBits.MoveMembers, ...ANNOUNCER_PERMISSIONS];
/** Server managers: /settings (Discord's default for it) and the top members in /usage. */
export const MANAGER_PERMISSIONS = [PermissionFlagsBits.ManageGuild];

const VOICE_MODERATORS = 'Move Members, Manage Server or Mute Members';

/** One row of the README's permission table. */
export interface PermissionRule {
  what: string;
  who: string;
}

export const PERMISSION_TABLE: readonly PermissionRule[] = [
  { what: '`/ask`, Ask Parley, `/talk start`, `/talk stop` (for yourself), `/reset`, `/usage`', who: 'every member' },
  { what: '`/join`, `/leave` while Parley is idle (not answering, listening only to you or nobody)', who: 'every member' },
  {
    what: '`/join` another channel or `/leave` while Parley is busy (answering, or listening to others)',
    who: `the only member in Parley's channel besides Parley, or ${VOICE_MODERATORS} there`,
  },
  { what: "`/join` another channel or `/leave` during a moderator's `/talk start everyone`", who: `${VOICE_MODERATORS} in Parley's channel` },
  { what: '`/talk start everyone`, `/talk stop everyone`', who: `${VOICE_MODERATORS} in the voice channel` },
  { what: '`/announce`', who: 'Manage Server or Mute Members in the target channel (Discord shows it to Mute Members by default)' },
  { what: '`/settings`', who: 'Manage Server (Discord\'s default for the command; admins can change it under Integrations)' },
  { what: 'top members in `/usage`', who: 'Manage Server' },
];

/** The table as Markdown, as it appears in the README. */
export function renderPermissionTable(): string {
  const rows = PERMISSION_TABLE.map((rule) => `| ${rule.what} | ${rule.who} |`);
  return ['| what | who may |', '| --- | --- |', ...rows].join('\n');
}

/** Whether `member` is a voice moderator in `channel` (guild-wide without one). */
export function isVoiceModerator(member: GuildMember, channel?: VoiceBasedChannel): boolean {
  const permissions = channel ? channel.permissionsFor(member) : member.permissions;
  return permissions.any(VOICE_MODERATOR_PERMISSIONS);
}

/** Throws unless `member` may use `everyone` with /talk in `channel`. */
export function assertMayTalkToEveryone(member: GuildMember, channel?: VoiceBasedChannel): void {
  if (!isVoiceModerator(member, channel)) throw new UserError(`Only moderators (${VOICE_MODERATORS}) can use \`everyone\`.`);
}

/** What Parley is doing in its voice channel, as far as moving it is concerned. */
export interface BotActivity {
  /** The channel Parley is in. */
  channel: VoiceBasedChannel;
  /** An answer or announcement is playing or queued, or a turn is being answered. */
  answering: boolean;
  /** Members Parley listens to. */
  listeningTo: readonly string[];
  /** A moderator's `/talk start everyone` is running. */
  everyone: boolean;
}

/**
 * Throws a UserError saying who can do it, unless `member` may take Parley away from what it is
 * doing (`/join` elsewhere, `/leave`). Idle Parley goes with anyone.
 */
export function assertMayMoveBot(member: GuildMember, activity: BotActivity): void {
  const { channel } = activity;
  if (isVoiceModerator(member, channel)) return;
  if (activity.everyone) {
    throw new UserError(
      `A moderator has me listening to everyone in <#${channel.id}>. Only moderators (${VOICE_MODERATORS}) can move me or make me leave.`,
    );
  }
  const othersListened = activity.listeningTo.some((id) => id !== member.id);
  if (!activity.answering && !othersListened) return;
  const humans = [...channel.members.values()].filter((m) => !m.user.bot);
  if (humans.length === 1 && humans[0]!.id === member.id) return;
  const doing = activity.answering ? 'answering' : 'listening to others';
  throw new UserError(
    `I'm busy in <#${channel.id}> (${doing}). Only the one member there with me, or a moderator (${VOICE_MODERATORS}), can move me or make me leave.`,
  );
}
