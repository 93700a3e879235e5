/**
 * Loads and validates every command module in commands/. Shared by the deploy script and the runtime
 * router so that what is registered with Discord is exactly what the bot can answer.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from './command.ts';

export const COMMANDS_DIR = fileURLToPath(new URL('../../commands/', import.meta.url));

/** Loads all commands, keyed by name; throws one error listing every invalid module. */
export async function loadCommands(dir: string = COMMANDS_DIR): Promise<Map<string, Command>> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
  const commands = new Map<string, Command>();
  const problems: string[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default?: unknown };
    const problem = validateCommand(mod.default);
    if (problem) {
      problems.push(`${file}: ${problem}`);
      continue;
    }
    const command = mod.default as Command;
    if (commands.has(command.data.name)) problems.push(`${file}: duplicate command name "${command.data.name}"`);
    commands.set(command.data.name, command);
  }
  if (problems.length > 0) throw new Error(`Invalid command modules:\n${problems.join('\n')}`);
  return commands;
}

function validateCommand(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'no default export';
  const candidate = value as Partial<Command>;
  if (typeof candidate.execute !== 'function') return 'default export has no execute()';
  const data = candidate.data;
  if (!data || typeof data.toJSON !== 'function' || typeof data.name !== 'string') return 'data is not a command builder';
  const json = data.toJSON();
  if (json.name !== data.name) return 'data.toJSON() name differs from data.name';
  return undefined;
}

/** The JSON bodies to register with Discord. */
export function commandBodies(commands: Map<string, Command>) {
  return [...commands.values()].map((c) => c.data.toJSON());
}
