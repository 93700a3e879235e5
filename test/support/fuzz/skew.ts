/**
 * A stale registration, as Discord keeps one for a while after a deploy: in one guild the commands are
 * re-registered (guild commands shadow global ones) with options retyped, one unknown option and one
 * unknown subcommand more, and required options made optional. Interactions there carry option types and
 * names that the bot's code does not expect, exactly as they would reach a bot from real Discord.
 */
import { OptionType, type RegisteredCommand, type RegisteredOption } from './interactions.ts';

/** Retyping that matters to the code: a number where text is read, text where a boolean is read... */
const RETYPED: Record<number, number> = {
  [OptionType.String]: OptionType.Integer,
  [OptionType.Boolean]: OptionType.String,
  [OptionType.Number]: OptionType.String,
  [OptionType.Channel]: OptionType.String,
  [OptionType.Attachment]: OptionType.String,
};

/** The skewed copy of `commands` (registered JSON, as `registeredCommands()` lists it) to PUT for a guild. */
export function skewedCommands(commands: readonly RegisteredCommand[]): unknown[] {
  return commands.map((command) => {
    const { name, type = 1 } = command;
    const description = type === 1 ? 'stale copy' : '';
    if (type !== 1) return { name, type, description };
    const options = command.options ?? [];
    const hasSubcommands = options.some((o) => o.type === OptionType.Subcommand);
    const skewed = hasSubcommands
      ? [
          ...options.map((sub) => ({ ...sub, description: 'stale', options: skewOptions(sub.options ?? []) })),
          { name: 'retired', type: OptionType.Subcommand, description: 'gone from the code', options: [{ name: 'what', type: OptionType.String, description: 'x' }] },
        ]
      : skewOptions(options);
    return { name, type, description, options: skewed };
  });
}

/** Every other option retyped, all optional, plus an option the code never reads. */
function skewOptions(options: readonly RegisteredOption[]): unknown[] {
  return [
    ...options.map((option, index) => ({
      name: option.name,
      type: index % 2 === 0 ? (RETYPED[option.type] ?? option.type) : option.type,
      description: 'stale',
      required: false,
    })),
    { name: 'legacy', type: OptionType.String, description: 'an option the code no longer has' },
  ];
}

/** Registers `commands` for one guild through the fake's REST API, as a deploy script would. */
export async function registerGuildCommands(apiBase: string, applicationId: string, botToken: string, guildId: string, commands: unknown[]): Promise<void> {
  const response = await fetch(`${apiBase}/v10/applications/${applicationId}/guilds/${guildId}/commands`, {
    method: 'PUT',
    headers: { authorization: `Bot ${botToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(commands),
  });
  if (!response.ok) throw new Error(`registering the skewed commands failed: ${response.status} ${await response.text()}`);
}
