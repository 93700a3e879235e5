/**
 * The servers the fuzzer plays in, on top of the test bed's guild: more channels (a stage, a voice
 * channel the bot may not join, one where it may not speak, a full one, a category, one the bot was never
 * told about), members with hostile display names, and a second server whose commands are a stale
 * registration (see skew.ts). Also the "world events" between interactions: members joining, moving
 * and leaving voice.
 */
import { nextSnowflake } from '../../harness/discord/ids.ts';
import { Permission, type FakeDiscord, type FakeGuild } from '../../harness/discord/index.ts';
import type { TestBed } from '../test-bed.ts';
import type { FuzzWorld, RegisteredCommand } from './interactions.ts';
import type { Random } from './random.ts';
import { registerGuildCommands, skewedCommands } from './skew.ts';
import { oddDisplayName } from './strings.ts';

/** Voice channels members move between, per guild. */
export interface VoiceStage {
  guild: FakeGuild;
  voiceChannelIds: string[];
  memberIds: string[];
}

/** Where the fuzzer sends interactions (one world per server) and moves members in voice. */
export interface FuzzWorlds {
  worlds: FuzzWorld[];
  stages: VoiceStage[];
}

/** Builds both servers; the skewed registration goes through the fake's REST API. */
export async function buildWorlds(bed: TestBed, random: Random, maxAttachmentBytes: number): Promise<FuzzWorlds> {
  const { discord, guild } = bed;
  const extra = (name: string, type: 'text' | 'voice' | 'stage' | 'category', more: object = {}) => guild.addChannel({ name, type, ...more }).id;
  const botRole = guild.botRoleId;
  const secondText = extra('random', 'text');
  const stage = extra('Town Hall', 'stage');
  const locked = extra('Locked', 'voice', { permissionOverwrites: [{ id: botRole, type: 0, allow: 0n, deny: Permission.Connect }] });
  const muted = extra('No Speaking', 'voice', { permissionOverwrites: [{ id: botRole, type: 0, allow: 0n, deny: Permission.Speak }] });
  const tiny = extra('Tiny', 'voice', { userLimit: 1 });
  const category = extra('Category', 'category');
  const ghost = hiddenChannel(guild, 'Ghost');
  const oddMembers = Array.from({ length: 4 }, (_, i) => guild.addMember({ username: `odd${i}`, displayName: oddDisplayName(random) }).id);
  const mainMembers = [bed.ids.alice, bed.ids.bob, bed.ids.mod, ...oddMembers];
  const mainVoice = [bed.ids.voice, bed.ids.voice2, stage, locked, muted, tiny, ghost];
  const serve = (spec: Parameters<FakeDiscord['serveAttachment']>[0]) => discord.serveAttachment(spec);
  const main: FuzzWorld = {
    guildId: guild.id,
    channelIds: [bed.ids.text, bed.ids.text, secondText, bed.ids.voice, stage],
    optionChannelIds: [...mainVoice, bed.ids.text, category],
    memberIds: mainMembers,
    commands: discord.registeredCommands() as RegisteredCommand[],
    maxAttachmentBytes,
    serveAttachment: serve,
  };

  const skewGuild = discord.addGuild({
    name: 'Stale Server',
    channels: [
      { name: 'chat', type: 'text' },
      { name: 'Hangout', type: 'voice' },
    ],
    roles: [{ name: 'Moderator', permissions: Permission.ManageGuild | Permission.ManageChannels | Permission.MuteMembers }],
    members: [{ username: 'carol', displayName: 'Carol' }, { username: 'dave', displayName: oddDisplayName(random) }],
  });
  skewGuild.addMemberRole('dave', 'Moderator');
  await registerGuildCommands(discord.apiBase, discord.applicationId, discord.botToken, skewGuild.id, skewedCommands(main.commands));
  const skewMembers = [skewGuild.member('carol').id, skewGuild.member('dave').id];
  const skew: FuzzWorld = {
    guildId: skewGuild.id,
    channelIds: [skewGuild.channel('chat').id],
    optionChannelIds: [skewGuild.channel('chat').id, skewGuild.channel('Hangout').id],
    memberIds: skewMembers,
    commands: discord.registeredCommands(skewGuild.id) as RegisteredCommand[],
    maxAttachmentBytes,
    serveAttachment: serve,
  };
  return {
    worlds: [main, skew],
    stages: [
      { guild, voiceChannelIds: mainVoice, memberIds: mainMembers },
      { guild: skewGuild, voiceChannelIds: [skewGuild.channel('Hangout').id], memberIds: skewMembers },
    ],
  };
}

/** A member joins, moves or leaves voice (null), as people do while commands run. */
export function moveSomeone(discord: FakeDiscord, random: Random, stage: VoiceStage): void {
  const member = random.pick(stage.memberIds);
  const channel = random.chance(0.3) ? null : random.pick(stage.voiceChannelIds);
  discord.setVoiceState(stage.guild.id, member, channel);
}

/**
 * A voice channel that exists for Discord but was never dispatched to the bot (no CHANNEL_CREATE):
 * interactions can still name it in an option, with its data in `resolved`, as Discord sends it.
 */
function hiddenChannel(guild: FakeGuild, name: string): string {
  const template = guild.channel('Lounge');
  const id = nextSnowflake();
  guild.channels.set(id, { ...template, id, name, overwrites: [], position: 99 });
  return id;
}
