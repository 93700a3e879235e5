/**
 * Joining and holding a voice connection with bounded waits and the disconnect handling that the
 * @discordjs/voice documentation describes: a Disconnected connection gets 5 s to start reconnecting
 * by itself (a move to another channel) before it is destroyed; close code 4014 (kicked, or the channel
 * was deleted) is never retried blindly.
 */
import {
  entersState,
  joinVoiceChannel,
  VoiceConnectionDisconnectReason,
  VoiceConnectionStatus,
  type VoiceConnection,
} from '@discordjs/voice';
import type { VoiceBasedChannel } from 'discord.js';
import type { Logger } from '../log.ts';

export const VOICE_READY_TIMEOUT_MS = 20_000;
export const RECONNECT_GRACE_MS = 5_000;

/** Joins `channel` and waits until the connection is Ready; destroys it and rethrows on failure. */
export async function connectToChannel(channel: VoiceBasedChannel, readyTimeoutMs = VOICE_READY_TIMEOUT_MS): Promise<VoiceConnection> {
  const connection = joinVoiceChannel({
    channelId: channel.id,
    guildId: channel.guild.id,
    adapterCreator: channel.guild.voiceAdapterCreator,
    selfDeaf: false, // Parley listens in /talk; deafened bots receive no audio.
    selfMute: false,
  });
  // A connection destroyed while joining (a /leave, a kick) fails at once instead of at the timeout.
  let onDestroyed: (() => void) | undefined;
  const destroyed = new Promise<never>((_, reject) => {
    onDestroyed = () => reject(new Error('voice connection destroyed while joining'));
    connection.once(VoiceConnectionStatus.Destroyed, onDestroyed);
  });
  try {
    await Promise.race([entersState(connection, VoiceConnectionStatus.Ready, readyTimeoutMs), destroyed]);
    return connection;
  } catch (err) {
    if (connection.state.status !== VoiceConnectionStatus.Destroyed) connection.destroy();
    throw err;
  } finally {
    connection.off(VoiceConnectionStatus.Destroyed, onDestroyed!);
  }
}

/**
 * Keeps `connection` alive across recoverable drops and destroys it when the drop is final.
 * `onGone` runs once, after the connection is destroyed for any reason.
 */
export function superviseConnection(connection: VoiceConnection, log: Logger, onGone: () => void): void {
  connection.on(VoiceConnectionStatus.Disconnected, (_old, state) => {
    const kicked = state.reason === VoiceConnectionDisconnectReason.WebSocketClose && state.closeCode === 4014;
    log.info('voice disconnected', { reason: state.reason, closeCode: 'closeCode' in state ? state.closeCode : undefined });
    // On 4014 Discord either moved the bot (a new VOICE_SERVER_UPDATE follows and the library reconnects)
    // or removed it; either way wait for the library rather than rejoining and undoing a moderator's kick.
    Promise.race([
      entersState(connection, VoiceConnectionStatus.Signalling, RECONNECT_GRACE_MS),
      entersState(connection, VoiceConnectionStatus.Connecting, RECONNECT_GRACE_MS),
    ]).catch(() => {
      if (connection.state.status !== VoiceConnectionStatus.Destroyed) {
        log.info(kicked ? 'removed from voice; ending the session' : 'voice did not recover; ending the session');
        connection.destroy();
      }
    });
  });
  // A reconnect can hang in Signalling or Connecting (a rejoin Discord ignores, discordjs/discord.js
  // #11553): it gets as long as a first join, then the session ends instead of holding the channel.
  let reconnecting = false;
  connection.on('stateChange', (_old, state) => {
    if (reconnecting || (state.status !== VoiceConnectionStatus.Signalling && state.status !== VoiceConnectionStatus.Connecting)) return;
    reconnecting = true;
    entersState(connection, VoiceConnectionStatus.Ready, VOICE_READY_TIMEOUT_MS).then(
      () => (reconnecting = false),
      () => {
        reconnecting = false;
        if (connection.state.status === VoiceConnectionStatus.Destroyed) return;
        log.warn('voice reconnect did not become ready in time; ending the session', { status: connection.state.status });
        connection.destroy();
      },
    );
  });
  connection.once(VoiceConnectionStatus.Destroyed, onGone);
  connection.on('error', (err) => log.warn('voice connection error', { err }));
}
