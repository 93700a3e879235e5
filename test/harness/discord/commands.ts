import { nextSnowflake } from './ids.ts';

/** Scope key of global commands in the registry. */
const GLOBAL_SCOPE = 'global';

/**
 * Application commands the bot registered. A bulk PUT replaces a scope (global or one guild) and keeps
 * the ids of commands whose name and type stay, as Discord does.
 */
export class CommandRegistry {
  readonly #scopes = new Map<string, any[]>();
  readonly #applicationId: string;

  constructor(applicationId: string) {
    this.#applicationId = applicationId;
  }

  /** Bulk overwrite; returns the stored commands (what the PUT answers). */
  put(guildId: string | undefined, body: unknown): any[] {
    const scope = guildId ?? GLOBAL_SCOPE;
    const previous = this.#scopes.get(scope) ?? [];
    const commands = (Array.isArray(body) ? body : []).map((command: any) => {
      const type = command.type ?? 1;
      const kept = previous.find((p) => p.name === command.name && p.type === type);
      return this.#stored(command, guildId, kept?.id);
    });
    this.#scopes.set(scope, commands);
    return commands;
  }

  /** Creates or replaces one command by name (POST). */
  upsert(guildId: string | undefined, body: any): any {
    const scope = guildId ?? GLOBAL_SCOPE;
    const list = this.#scopes.get(scope) ?? [];
    const type = body?.type ?? 1;
    const index = list.findIndex((p) => p.name === body?.name && p.type === type);
    const command = this.#stored(body ?? {}, guildId, index >= 0 ? list[index].id : undefined);
    if (index >= 0) list[index] = command;
    else list.push(command);
    this.#scopes.set(scope, list);
    return command;
  }

  /** Removes one command by id; false when unknown. */
  remove(guildId: string | undefined, commandId: string): boolean {
    const scope = guildId ?? GLOBAL_SCOPE;
    const list = this.#scopes.get(scope) ?? [];
    const remaining = list.filter((c) => c.id !== commandId);
    this.#scopes.set(scope, remaining);
    return remaining.length !== list.length;
  }

  /** The registered commands of a scope (global when `guildId` is omitted). */
  list(guildId?: string): any[] {
    return this.#scopes.get(guildId ?? GLOBAL_SCOPE) ?? [];
  }

  /** The command a user would invoke in a guild: guild commands shadow global ones. */
  find(name: string, type: number, guildId: string): any | undefined {
    const match = (c: any): boolean => c.name === name && c.type === type;
    return this.list(guildId).find(match) ?? this.list().find(match);
  }

  #stored(command: any, guildId: string | undefined, id: string | undefined): any {
    return {
      ...command,
      id: id ?? nextSnowflake(),
      application_id: this.#applicationId,
      version: nextSnowflake(),
      type: command.type ?? 1,
      default_member_permissions: command.default_member_permissions ?? null,
      nsfw: command.nsfw ?? false,
      ...(guildId !== undefined ? { guild_id: guildId } : {}),
    };
  }
}
