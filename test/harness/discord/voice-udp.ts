import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { isRtpPacket, rtpSsrc } from './rtp.ts';
import type { UdpEndpoint } from './voice-session.ts';

/** IP discovery datagrams are 74 bytes: type, length (70), ssrc, 64-byte address, port. */
const IP_DISCOVERY_BYTES = 74;
const IP_DISCOVERY_REQUEST = 1;
const IP_DISCOVERY_RESPONSE = 2;
const IP_DISCOVERY_BODY_BYTES = 70;
const IP_DISCOVERY_ADDRESS_OFFSET = 8;

/** What the UDP side asks the rest of the fake. */
export interface VoiceUdpHooks {
  /** The bot's IP discovery for `ssrc` arrived from `from`; false when the ssrc is unknown (no reply). */
  onDiscovery(ssrc: number, from: UdpEndpoint): boolean;
  /** An RTP packet from the bot. */
  onRtp(ssrc: number, packet: Buffer): void;
}

/**
 * The single voice UDP socket on 127.0.0.1: answers IP discovery, ignores 8-byte keep-alives (real
 * Discord does not answer them either) and hands RTP to the fake; sends members' RTP to the bot.
 */
export class VoiceUdpServer {
  readonly #socket: Socket;
  readonly #hooks: VoiceUdpHooks;

  private constructor(socket: Socket, hooks: VoiceUdpHooks) {
    this.#socket = socket;
    this.#hooks = hooks;
    socket.on('message', (message, remote) => this.#onMessage(message, remote));
  }

  /** Binds a random UDP port on 127.0.0.1. */
  static async start(hooks: VoiceUdpHooks): Promise<VoiceUdpServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    socket.on('error', () => {
      // Loopback UDP errors (ICMP port unreachable after the bot closed its socket) are expected noise.
    });
    return new VoiceUdpServer(socket, hooks);
  }

  get port(): number {
    return (this.#socket.address() as AddressInfo).port;
  }

  /** Sends one datagram to the bot's voice socket. */
  send(packet: Buffer, to: UdpEndpoint): void {
    this.#socket.send(packet, to.port, to.address);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #onMessage(message: Buffer, remote: RemoteInfo): void {
    if (message.length === IP_DISCOVERY_BYTES && message.readUInt16BE(0) === IP_DISCOVERY_REQUEST) {
      const ssrc = message.readUInt32BE(4);
      const from = { address: remote.address, port: remote.port };
      if (!this.#hooks.onDiscovery(ssrc, from)) return;
      const reply = Buffer.alloc(IP_DISCOVERY_BYTES);
      reply.writeUInt16BE(IP_DISCOVERY_RESPONSE, 0);
      reply.writeUInt16BE(IP_DISCOVERY_BODY_BYTES, 2);
      reply.writeUInt32BE(ssrc, 4);
      reply.write(remote.address, IP_DISCOVERY_ADDRESS_OFFSET, 'utf8');
      reply.writeUInt16BE(remote.port, IP_DISCOVERY_BYTES - 2);
      this.send(reply, from);
      return;
    }
    if (isRtpPacket(message)) this.#hooks.onRtp(rtpSsrc(message), message);
  }
}
