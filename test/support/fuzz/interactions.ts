/**
 * Random interactions built from the commands a guild sees (as registered with the fake Discord):
 * chosen, unknown or missing subcommands; options with hostile values, values of another option type,
 * missing required options; channel options pointing anywhere; attachments of random bytes; and message
 * context-menu commands on random messages. Also a few commands the bot never registered.
 */
import type { AttachmentSpec, MessageCommandRequest, ServeAttachmentSpec, SlashCommandRequest, SlashOptionValue } from '../../harness/discord/index.ts';
import { fuzzAttachment } from './attachments.ts';
import type { Random } from './random.ts';
import { fuzzString, HUGE_STRING_CHARS, oddText } from './strings.ts';

/** Discord application command option types. */
export const OptionType = { Subcommand: 1, SubcommandGroup: 2, String: 3, Integer: 4, Boolean: 5, User: 6, Channel: 7, Role: 8, Number: 10, Attachment: 11 } as const;

/** A command as the fake's registry stores it (the registered JSON). */
export interface RegisteredCommand {
  name: string;
  type?: number;
  options?: RegisteredOption[];
}

export interface RegisteredOption {
  name: string;
  type: number;
  required?: boolean;
  options?: RegisteredOption[];
}

/** Where interactions happen and what they may point at. */
export interface FuzzWorld {
  guildId: string;
  /** Channels a command may be run in (text channels and voice channels' chats). */
  channelIds: string[];
  /** Channels a channel option may name: voice, stage, text, category, hidden from the bot... */
  optionChannelIds: string[];
  memberIds: string[];
  commands: RegisteredCommand[];
  maxAttachmentBytes: number;
  serveAttachment(spec: ServeAttachmentSpec): AttachmentSpec;
}

export type FuzzInteraction = { kind: 'slash'; request: SlashCommandRequest } | { kind: 'message'; request: MessageCommandRequest };

/** Names the bot never registered, including near-misses of real ones and another kind's name. */
const UNREGISTERED_NAMES = ['play', 'ask-old', 'ASK', 'askk', 'Ask Parley', 'settings2', 'x'.repeat(32)];
const NUMBERS = [0, -1, 1, 0.25, 0.2499, 4, 4.0001, 2.5, 1e308, -1e308, 5e-324, 2 ** 53 + 1, 7];
const MESSAGE_FLAGS = [0, 0, 1 << 13, (1 << 13) | (1 << 12), 1 << 2, 0x7fff_ffff];

/** One random interaction in `world`. */
export function fuzzInteraction(random: Random, world: FuzzWorld): FuzzInteraction {
  const base = { guildId: world.guildId, channelId: random.pick(world.channelIds), userId: random.pick(world.memberIds) };
  const messageCommands = world.commands.filter((c) => c.type === 3);
  const slashCommands = world.commands.filter((c) => (c.type ?? 1) === 1);
  const choice = random.weighted<'slash' | 'message' | 'unregistered' | 'message-as-other'>([
    [80, 'slash'],
    [12, 'message'],
    [5, 'unregistered'],
    [3, 'message-as-other'],
  ]);
  if ((choice === 'message' && messageCommands.length > 0) || choice === 'message-as-other') {
    const name = choice === 'message' ? random.pick(messageCommands).name : random.pick([...slashCommands.map((c) => c.name), 'Ask Parley (old)']);
    return { kind: 'message', request: { ...base, name, message: randomMessage(random, world) } };
  }
  if (choice === 'unregistered' || slashCommands.length === 0) {
    const options: Record<string, SlashOptionValue> = {};
    for (let i = random.int(0, 3); i > 0; i--) options[random.pick(['prompt', 'channel', 'bogus', 'text', 'name'])] = anyValue(random, world);
    return { kind: 'slash', request: { ...base, name: random.pick(UNREGISTERED_NAMES), options } };
  }
  return { kind: 'slash', request: { ...base, ...slashParts(random, world, random.pick(slashCommands)) } };
}

/** Name, subcommand and options for a registered slash command. */
function slashParts(random: Random, world: FuzzWorld, command: RegisteredCommand): Pick<SlashCommandRequest, 'name' | 'subcommand' | 'options'> {
  const declared = command.options ?? [];
  const subcommands = declared.filter((o) => o.type === OptionType.Subcommand);
  if (subcommands.length === 0) return { name: command.name, options: fuzzOptions(random, world, declared) };
  const mode = random.weighted<'declared' | 'unknown' | 'none'>([
    [86, 'declared'],
    [7, 'unknown'],
    [7, 'none'],
  ]);
  if (mode === 'none') return { name: command.name };
  if (mode === 'unknown') return { name: command.name, subcommand: random.pick(['bogus', 'START', 'stop ', 'show\u200B', '']) };
  const subcommand = random.pick(subcommands);
  return { name: command.name, subcommand: subcommand.name, options: fuzzOptions(random, world, subcommand.options ?? []) };
}

/** Values for some of the declared options: required ones usually, others half the time. */
function fuzzOptions(random: Random, world: FuzzWorld, declared: RegisteredOption[]): Record<string, SlashOptionValue> {
  const options: Record<string, SlashOptionValue> = {};
  for (const option of declared) {
    if (!random.chance(option.required ? 0.85 : 0.5)) continue;
    // A value of another type arrives typed as such (an option renamed or retyped since registration).
    options[option.name] = random.chance(0.08) ? foreignValue(random, world, option.type) : valueOfType(random, world, option.type);
  }
  return options;
}

/** A value of the option's own type; strings, numbers and attachments are hostile. */
function valueOfType(random: Random, world: FuzzWorld, type: number): SlashOptionValue {
  switch (type) {
    case OptionType.String:
      return fuzzString(random);
    case OptionType.Integer:
      return Math.trunc(random.pick(NUMBERS)) || random.int(-5, 5);
    case OptionType.Number:
      return random.pick(NUMBERS);
    case OptionType.Boolean:
      return random.chance(0.5);
    case OptionType.Channel:
      return { channelId: random.pick(world.optionChannelIds) };
    case OptionType.Attachment:
      return { attachment: world.serveAttachment(fuzzAttachment(random, world.maxAttachmentBytes)) };
    case OptionType.User:
      return { userId: random.pick(world.memberIds) };
    default:
      return fuzzString(random);
  }
}

/** A value whose wire type differs from `type` (only kinds that carry their own type on the wire). */
function foreignValue(random: Random, world: FuzzWorld, type: number): SlashOptionValue {
  const kinds = [OptionType.Channel, OptionType.Attachment, OptionType.User].filter((t) => t !== type);
  return valueOfType(random, world, random.pick(kinds));
}

/** Any value at all, for options nobody declared. */
function anyValue(random: Random, world: FuzzWorld): SlashOptionValue {
  return valueOfType(random, world, random.pick([3, 3, 4, 5, 7, 10, 11]));
}

/** A message to run "Ask Parley" on: random author, hostile content, random files and flags. */
function randomMessage(random: Random, world: FuzzWorld): MessageCommandRequest['message'] {
  const attachments: AttachmentSpec[] = [];
  for (let i = random.weighted([[2, 0], [6, 1], [1, 2], [1, 4]] as const); i > 0; i--) {
    attachments.push(world.serveAttachment(fuzzAttachment(random, world.maxAttachmentBytes)));
  }
  return {
    authorId: random.pick(world.memberIds),
    content: random.weighted<() => string>([
      [5, () => ''],
      [4, () => oddText(random)],
      [1, () => 'x'.repeat(random.pick([4_000, HUGE_STRING_CHARS]))],
    ])(),
    attachments,
    flags: random.pick(MESSAGE_FLAGS),
  };
}
