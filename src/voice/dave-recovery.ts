/**
 * Bounded recovery from a member's audio that keeps failing to decrypt. @discordjs/voice 0.19.2
 * recovers by itself after 36 failures only when the last transition id is not 0; with id 0 its
 * `decrypt()` throws and the receive stream is destroyed instead (discordjs/discord.js #11445; the
 * workaround of openclaw/openclaw #81518). Parley then does what the DAVE protocol prescribes for a
 * member that cannot follow the group ("Recovery from Invalid Commit or Welcome"): it flags the
 * transition (op 31) and re-joins the group with a fresh key package, at most once per cooldown.
 */
import { VoiceConnectionStatus, type VoiceConnection } from '@discordjs/voice';
import type { Logger } from '../log.ts';
import type { DecryptTrouble } from './receive-tap.ts';

/** At most one re-join of the encryption group per this long. */
export const DAVE_RECOVERY_COOLDOWN_MS = 10_000;

interface DaveRecoverable {
  protocolVersion: number;
  lastTransitionId?: number | undefined;
  reinitializing: boolean;
  recoverFromInvalidTransition(transitionId: number): void;
}

export class DaveRecovery {
  /** Re-joins done, and when the last one ran (performance.now()). */
  recoveries = 0;
  private lastAt = -Infinity;
  private readonly connection: VoiceConnection;
  private readonly log: Logger;
  private readonly onRecovery: () => void;
  private readonly cooldownMs: number;

  constructor(connection: VoiceConnection, log: Logger, onRecovery: () => void, cooldownMs = DAVE_RECOVERY_COOLDOWN_MS) {
    this.connection = connection;
    this.log = log;
    this.onRecovery = onRecovery;
    this.cooldownMs = cooldownMs;
  }

  /** A member's audio keeps failing: re-join the group unless one ran within the cooldown. True when it ran. */
  trigger(userId: string, trouble: DecryptTrouble): boolean {
    const dave = this.dave();
    // Already re-joining (the library recovers by itself when the last transition id is not 0).
    if (!dave || dave.protocolVersion === 0 || dave.reinitializing) return false;
    const now = performance.now();
    if (now - this.lastAt < this.cooldownMs) {
      this.log.debug('DAVE decrypt failures; recovery in cooldown', { userId, trouble });
      return false;
    }
    this.lastAt = now;
    this.recoveries++;
    this.log.warn('DAVE decrypt failures; re-joining the encryption group', { userId, trouble, transitionId: dave.lastTransitionId ?? 0 });
    this.onRecovery();
    try {
      dave.recoverFromInvalidTransition(dave.lastTransitionId ?? 0);
    } catch (err) {
      this.log.warn('DAVE recovery failed', { err: err as Error });
    }
    return true;
  }

  private dave(): DaveRecoverable | undefined {
    const state = this.connection.state;
    if (state.status !== VoiceConnectionStatus.Ready) return undefined;
    return (state.networking.state as { dave?: DaveRecoverable }).dave;
  }
}
