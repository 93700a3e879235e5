/**
 * One voice session per guild: it owns the voice connection and the output pacer, and is the single
 * place that tears them down. Listening and turn queues attach to it.
 */
import { VoiceConnectionStatus, type VoiceConnection, type VoiceConnectionState } from '@discordjs/voice';
import type { Logger } from '../log.ts';
import { VOICE_READY_TIMEOUT_MS } from './connection.ts';
import { VoicePacer } from './pacer.ts';
import { E2eeGate } from './e2ee.ts';
import { ReceiveTap } from './receive-tap.ts';
import { DaveRecovery } from './dave-recovery.ts';

export class VoiceSession {
  readonly pacer: VoicePacer;
  /** Whether audio sent now is end-to-end encrypted for the members (DAVE), and the call's privacy code. */
  readonly e2ee: E2eeGate;
  /** RTP timing of received packets and members' decrypt failures (which trigger {@link daveRecovery}). */
  readonly receiveTap: ReceiveTap;
  readonly daveRecovery: DaveRecovery;
  private destroyed = false;
  private readonly cleanups: (() => void)[] = [];
  private movesUnderWay = 0;
  /**
   * Joined only to play announcements: the announcer leaves once they are done, unless a command
   * claimed the session meanwhile (see {@link claim}).
   */
  temporary = false;
  /** While the connection visits another channel for an announcement: the channel it returns to. */
  visitingFrom: string | undefined;

  readonly guildId: string;
  readonly connection: VoiceConnection;
  readonly log: Logger;

  /** `onDaveRecovery` runs when the session re-joins its encryption group (metrics). */
  constructor(guildId: string, connection: VoiceConnection, log: Logger, onDaveRecovery: () => void = () => {}) {
    this.guildId = guildId;
    this.connection = connection;
    this.log = log;
    this.e2ee = new E2eeGate(connection);
    this.daveRecovery = new DaveRecovery(connection, log, onDaveRecovery);
    this.receiveTap = new ReceiveTap(connection, (userId, trouble) => this.daveRecovery.trigger(userId, trouble));
    this.pacer = new VoicePacer({
      play: (packet) => connection.playOpusPacket(packet),
      setSpeaking: (speaking) => connection.setSpeaking(speaking),
      ready: () => connection.state.status === VoiceConnectionStatus.Ready,
      e2eeReady: () => this.e2ee.ready,
    });
  }

  /** The channel the bot is in (it follows moves by moderators), or undefined once destroyed. */
  get channelId(): string | undefined {
    return this.destroyed ? undefined : (this.connection.joinConfig.channelId ?? undefined);
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }

  get isReady(): boolean {
    return !this.destroyed && this.connection.state.status === VoiceConnectionStatus.Ready;
  }

  /** A temporary move ({@link moveTo}) is under way: the bot's own voice state is about to change. */
  get moving(): boolean {
    return this.movesUnderWay > 0;
  }

  /** A command wants the bot here: it stays (no trip back, no leaving after an announcement). */
  claim(): void {
    this.temporary = false;
    this.visitingFrom = undefined;
  }

  /**
   * Moves this same connection to another channel of the guild (gateway op 4 through `rejoin`) and
   * waits, at most `timeoutMs`, until media is ready there. The session, its pacer, queued tracks and
   * cleanups stay; rejects on timeout or when the connection is destroyed meanwhile.
   */
  async moveTo(channelId: string, timeoutMs = VOICE_READY_TIMEOUT_MS): Promise<void> {
    if (this.destroyed) throw new Error('the voice session has ended');
    if (this.connection.joinConfig.channelId === channelId && this.isReady) return;
    // Ready is reached again only with the networking of the new voice server.
    const before = networkingOf(this.connection.state);
    this.movesUnderWay++;
    try {
      await new Promise<void>((resolve, reject) => {
        const finish = (err?: Error) => {
          clearTimeout(timer);
          this.connection.off('stateChange', onChange);
          if (err) reject(err);
          else resolve();
        };
        const onChange = (_old: VoiceConnectionState, state: VoiceConnectionState) => {
          if (state.status === VoiceConnectionStatus.Destroyed) finish(new Error('the voice connection ended during a move'));
          else if (state.status === VoiceConnectionStatus.Ready && networkingOf(state) !== before) finish();
        };
        const timer = setTimeout(() => finish(new Error(`voice was not ready in channel ${channelId} within ${timeoutMs} ms`)), timeoutMs);
        this.connection.on('stateChange', onChange);
        if (!this.connection.rejoin({ channelId, selfDeaf: false, selfMute: false })) finish(new Error('the voice adapter is unavailable'));
      });
    } finally {
      this.movesUnderWay--;
    }
  }

  /** Registers teardown work (listeners, queues) that must run when the session ends. */
  onDestroy(cleanup: () => void): void {
    if (this.destroyed) cleanup();
    else this.cleanups.push(cleanup);
  }

  /** Ends the session: stops audio, runs cleanups, leaves the channel. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pacer.close();
    this.receiveTap.close();
    for (const cleanup of this.cleanups.splice(0)) {
      try {
        cleanup();
      } catch (err) {
        this.log.warn('voice session cleanup failed', { err: err as Error });
      }
    }
    if (this.connection.state.status !== VoiceConnectionStatus.Destroyed) this.connection.destroy();
  }
}

function networkingOf(state: VoiceConnectionState): unknown {
  return 'networking' in state ? state.networking : undefined;
}
