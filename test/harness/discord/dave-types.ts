/**
 * Opcodes, settings and counters of the fake voice gateway's DAVE support (see dave-call.ts).
 * Source: DAVE protocol v1.1 (github.com/discord/dave-protocol, protocol.md).
 */
/** DAVE voice opcodes (protocol.md, "Voice Gateway Opcodes"). */
export const DaveOp = {
  PrepareTransition: 21,
  ExecuteTransition: 22,
  ReadyForTransition: 23,
  PrepareEpoch: 24,
  ExternalSender: 25,
  KeyPackage: 26,
  Proposals: 27,
  CommitWelcome: 28,
  AnnounceCommitTransition: 29,
  Welcome: 30,
  InvalidCommitWelcome: 31,
} as const;

/** The trailer magic marker of a DAVE frame (protocol.md, "Protocol Frame Check"). */
export const DAVE_MAGIC = 0xfafa;
export const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
export const DAVE_VERSION = 1;

/** How the fake runs DAVE; timings are scriptable to test a bot against a slow voice server. */
export interface DaveOptions {
  /** Negotiate DAVE v1 (default, as Discord requires since 2026-03-01) or 0 (transport encryption only). */
  enabled: boolean;
  /** Extra delay before the external sender package and the first proposals (a late handshake). */
  handshakeDelayMs: number;
  /** Delay between every member being ready for a transition and its execution (op 22). */
  executeDelayMs: number;
  /**
   * Announce the commit that creates the group with the initialization transition id 0 (executed at
   * once, no op 23/22), which leaves @discordjs/voice 0.19.2 with `lastTransitionId` 0. The protocol
   * text reserves 0 for initialization; which id Discord picks for a new group is not documented.
   */
  zeroInitialTransition: boolean;
}

/**
 * "After all clients are ready (or after a timeout), the voice gateway announces that the transition
 * should be executed" (protocol.md, Protocol Version Changes). Discord's timeout is not documented.
 */
export const TRANSITION_TIMEOUT_MS = 2_000;

export const DEFAULT_DAVE_OPTIONS: DaveOptions = { enabled: true, handshakeDelayMs: 0, executeDelayMs: 0, zeroInitialTransition: false };

/** What the call needs from its voice session. */
export interface DaveCallLink {
  botUserId: string;
  channelId: string;
  sendJson(op: number, d: unknown): void;
  sendBinary(op: number, payload: Buffer): void;
  /** Member user ids in the channel now (not the bot). */
  membersInChannel(): string[];
  options(): DaveOptions;
  signal: AbortSignal;
}

export type PendingProposal = { kind: 'add'; userId: string; keyPackage: Buffer } | { kind: 'remove'; leaf: number };

/** Counters a test can read. */
export interface DaveStats {
  transitions: number;
  commits: number;
  welcomesToBot: number;
  invalidCommitWelcome: number;
  /** performance.now() when each transition was executed (op 22 sent). */
  executedAt: number[];
  /** Per member (user id): non-silence bot frames that member could not decrypt while in the group. */
  lostByMember: Record<string, number>;
  /** Per member: bot frames that member decrypted. */
  heardByMember: Record<string, number>;
}

