/**
 * RTP timing and decrypt failures for receive subscriptions. @discordjs/voice 0.19.2 hands out bare
 * opus Buffers: no RTP sequence number, so a lost packet cannot be told from a pause, and a packet
 * that failed decryption (transport or DAVE) silently never arrives.
 *
 * Method (why it is sound): the connection's VoiceUDPSocket emits every datagram synchronously to its
 * 'message' listeners. A listener PREPENDED there sees the datagram just before the library's
 * VoiceReceiver parses it; the receiver then decrypts and, in the same synchronous call, pushes the
 * opus packet into the member's stream. Our stream's `push` is wrapped only to label that Buffer with
 * the header just seen (a WeakMap, so 'data' handlers may run whenever they like). A listener APPENDED
 * after the receiver's sees whether the datagram produced a packet; consecutive datagrams of a
 * subscribed member that produced none are decrypt failures.
 */
import { VoiceConnectionStatus, type AudioReceiveStream, type VoiceConnection } from '@discordjs/voice';
import { EventEmitter } from 'node:events';

/** The RTP header fields of a received packet. */
export interface PacketTiming {
  sequence: number;
  timestamp: number;
}

/** Consecutive undelivered datagrams of one member that count as a decrypt failure streak (1 s of audio). */
export const DECRYPT_FAILURE_STREAK = 50;

const RTP_HEADER_BYTES = 12;
const RTP_OPUS_PAYLOAD_TYPE = 120;

interface Datagram extends PacketTiming {
  ssrc: number;
  delivered: boolean;
}

/** Why a member's audio needs recovery: a streak of undelivered packets, or the library gave up on the stream. */
export type DecryptTrouble = 'failure-streak' | 'stream-error';

export class ReceiveTap {
  private readonly labels = new WeakMap<Buffer, PacketTiming>();
  private readonly attached = new WeakSet<EventEmitter>();
  private readonly watched = new Set<string>();
  private readonly failures = new Map<string, number>();
  private current: Datagram | undefined;
  private readonly connection: VoiceConnection;
  private readonly onTrouble: (userId: string, trouble: DecryptTrouble) => void;
  private readonly before = (msg: Buffer) => this.onBefore(msg);
  private readonly after = () => this.onAfter();
  private readonly onStateChange = () => this.attach();

  constructor(connection: VoiceConnection, onTrouble: (userId: string, trouble: DecryptTrouble) => void) {
    this.connection = connection;
    this.onTrouble = onTrouble;
    connection.on('stateChange', this.onStateChange);
    this.attach();
  }

  /** Labels the packets `stream` receives with their RTP header, and reports when the library destroys it. */
  watch(userId: string, stream: AudioReceiveStream): void {
    this.attach();
    this.watched.add(userId);
    const push = stream.push.bind(stream);
    stream.push = (chunk: Buffer | null): boolean => {
      const datagram = this.current;
      if (Buffer.isBuffer(chunk) && datagram) {
        this.labels.set(chunk, { sequence: datagram.sequence, timestamp: datagram.timestamp });
        datagram.delivered = true;
      }
      return push(chunk);
    };
    stream.once('error', () => this.onTrouble(userId, 'stream-error'));
  }

  /** Stops counting a member's failures. */
  unwatch(userId: string): void {
    this.watched.delete(userId);
    this.failures.delete(userId);
  }

  /** The RTP header of a packet a watched stream delivered, if it was seen. */
  timing(packet: Buffer): PacketTiming | undefined {
    return this.labels.get(packet);
  }

  close(): void {
    this.connection.off('stateChange', this.onStateChange);
  }

  /** Listens on the current UDP socket (a new one comes with every new voice server). */
  private attach(): void {
    const state = this.connection.state;
    if (state.status !== VoiceConnectionStatus.Ready) return;
    const udp = (state.networking.state as { udp?: EventEmitter }).udp;
    if (!udp || this.attached.has(udp)) return;
    this.attached.add(udp);
    udp.prependListener('message', this.before);
    udp.on('message', this.after);
  }

  private onBefore(msg: Buffer): void {
    this.current = undefined;
    if (msg.length <= RTP_HEADER_BYTES || msg[0]! >> 6 !== 2 || (msg[1]! & 0x7f) !== RTP_OPUS_PAYLOAD_TYPE) return;
    this.current = { ssrc: msg.readUInt32BE(8), sequence: msg.readUInt16BE(2), timestamp: msg.readUInt32BE(4), delivered: false };
  }

  private onAfter(): void {
    const datagram = this.current;
    this.current = undefined;
    if (!datagram) return;
    const userId = this.connection.receiver.ssrcMap.get(datagram.ssrc)?.userId;
    if (!userId || !this.watched.has(userId)) return;
    if (datagram.delivered) {
      this.failures.set(userId, 0);
      return;
    }
    const streak = (this.failures.get(userId) ?? 0) + 1;
    this.failures.set(userId, streak);
    if (streak >= DECRYPT_FAILURE_STREAK) {
      this.failures.set(userId, 0);
      this.onTrouble(userId, 'failure-streak');
    }
  }
}
