/**
 * One voice session per guild: it owns the voice connection and the output pacer, and is the single
 * place that tears them down. Listening and turn queues attach to it.
 */
import { VoiceConnectionStatus, type VoiceConnection } from '@discordjs/voice';
import type { Logger } from '../log.ts';
import { VoicePacer } from './pacer.ts';

export class VoiceSession {
  readonly pacer: VoicePacer;
  private destroyed = false;
  private readonly cleanups: (() => void)[] = [];

  readonly guildId: string;
  readonly connection: VoiceConnection;
  readonly log: Logger;

  constructor(guildId: string, connection: VoiceConnection, log: Logger) {
    this.guildId = guildId;
    this.connection = connection;
    this.log = log;
    this.pacer = new VoicePacer({
      play: (packet) => connection.playOpusPacket(packet),
      setSpeaking: (speaking) => connection.setSpeaking(speaking),
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
