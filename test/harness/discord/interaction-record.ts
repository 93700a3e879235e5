import { DEFAULT_WAIT_TIMEOUT_MS, waitUntil } from './wait.ts';
import type { FakeInteraction, InteractionResponse } from './types.ts';

/** Discord drops interactions not acknowledged within 3 s ("Unknown interaction"). */
export const DEFAULT_ACK_DEADLINE_MS = 3_000;
/** Interaction tokens (webhook edits/follow-ups) stay valid for 15 minutes. */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;

/** Interaction callback types the fake understands. */
export const CallbackType = { Reply: 4, DeferredReply: 5, DeferredUpdate: 6, Update: 7, Modal: 9 } as const;

/** An interaction the fake dispatched, the bot's answers to it, and the messages those created. */
export class InteractionRecord implements FakeInteraction {
  readonly id: string;
  readonly token: string;
  readonly guildId: string;
  readonly channelId: string;
  readonly createdAt = performance.now();
  readonly responses: InteractionResponse[] = [];
  acknowledged = false;
  /** The original response message (a "thinking..." one with the LOADING flag after a defer). */
  original: any | null = null;
  readonly followups = new Map<string, any>();
  readonly #signal: AbortSignal;

  constructor(fields: { id: string; token: string; guildId: string; channelId: string }, signal: AbortSignal) {
    this.id = fields.id;
    this.token = fields.token;
    this.guildId = fields.guildId;
    this.channelId = fields.channelId;
    this.#signal = signal;
  }

  waitFor(
    pred: (r: InteractionResponse, all: InteractionResponse[]) => boolean,
    timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
  ): Promise<InteractionResponse> {
    return waitUntil(
      () => this.responses.find((r) => pred(r, this.responses)),
      timeoutMs,
      () => `a matching response to interaction ${this.id} (got: ${this.#summary()})`,
      this.#signal,
    );
  }

  waitForReply(timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<InteractionResponse> {
    return this.waitFor(
      (r) => r.kind === 'callback' && (r.type === CallbackType.Reply || r.type === CallbackType.DeferredReply),
      timeoutMs,
    );
  }

  lastContent(): string | undefined {
    for (let i = this.responses.length - 1; i >= 0; i -= 1) {
      const content = this.responses[i]!.body?.content;
      if (typeof content === 'string') return content;
    }
    return undefined;
  }

  /** The current original response message, if any. */
  originalMessage(): any | null {
    return this.original;
  }

  #summary(): string {
    if (this.responses.length === 0) return 'nothing';
    return this.responses.map((r) => `${r.kind}${r.type ? ` ${r.type}` : ''}`).join(', ');
  }
}

/** Interactions by id and token (webhook routes only carry the token). */
export class InteractionRegistry {
  readonly #byId = new Map<string, InteractionRecord>();
  readonly #byToken = new Map<string, InteractionRecord>();

  add(record: InteractionRecord): void {
    this.#byId.set(record.id, record);
    this.#byToken.set(record.token, record);
  }

  byId(id: string): InteractionRecord | undefined {
    return this.#byId.get(id);
  }

  byToken(token: string): InteractionRecord | undefined {
    return this.#byToken.get(token);
  }
}
