import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { ENCRYPTION_MODE } from './rtp.ts';
import type { BotVoiceSession } from './voice-session.ts';
import { DaveOp } from './dave-call.ts';

/** Voice opcodes (gateway v8) the fake speaks. */
export const VoiceOp = {
  Identify: 0,
  SelectProtocol: 1,
  Ready: 2,
  Heartbeat: 3,
  SessionDescription: 4,
  Speaking: 5,
  HeartbeatAck: 6,
  Resume: 7,
  Hello: 8,
  Resumed: 9,
  ClientsConnect: 11,
  ClientDisconnect: 13,
} as const;

/** Discord's voice heartbeat interval. */
const VOICE_HEARTBEAT_INTERVAL_MS = 13_750;

/** Voice gateway close codes the fake uses. */
export const VoiceCloseCode = { AuthenticationFailed: 4004, SessionNoLongerValid: 4006, UnknownEncryptionMode: 4016 } as const;

/** What the voice gateway asks the rest of the fake. */
export interface VoiceGatewayHooks {
  /** The pending session matching an IDENTIFY, or undefined (the socket is closed with 4004). */
  identify(d: { server_id?: string; user_id?: string; session_id?: string; token?: string }): BotVoiceSession | undefined;
  /** The live session matching a RESUME, or undefined (closed with 4006). */
  resume(d: { server_id?: string; session_id?: string; token?: string }): BotVoiceSession | undefined;
  /** The DAVE protocol version to select for a session (0 = transport encryption only). */
  daveVersion(): number;
  /** SESSION_DESCRIPTION went out: media is ready (and the DAVE handshake starts). */
  onDescribed(session: BotVoiceSession): void;
  udpPort(): number;
}

/**
 * The voice websocket server (wss with the test certificate, as @discordjs/voice hard-codes wss://):
 * HELLO, IDENTIFY -> READY, SELECT_PROTOCOL -> SESSION_DESCRIPTION (no DAVE: version 0), heartbeat ACKs,
 * RESUME -> RESUMED (then a buffered replay of what the client missed). Binary frames from the client
 * (`u8 opcode | payload`, DAVE opcodes 26 and 28) and DAVE JSON opcodes 23 and 31 go to the session's DAVE call.
 */
export class VoiceGatewayServer {
  readonly #https: Server;
  readonly #wss: WebSocketServer;
  readonly #hooks: VoiceGatewayHooks;

  private constructor(https: Server, hooks: VoiceGatewayHooks) {
    this.#https = https;
    this.#hooks = hooks;
    this.#wss = new WebSocketServer({ server: https });
    this.#wss.on('connection', (socket) => this.#onConnection(socket));
  }

  /** Listens on 127.0.0.1 with a random port. */
  static async start(tls: { cert: string; key: string }, hooks: VoiceGatewayHooks): Promise<VoiceGatewayServer> {
    const https = createServer({ cert: tls.cert, key: tls.key });
    await new Promise<void>((resolve, reject) => {
      https.once('error', reject);
      https.listen(0, '127.0.0.1', () => resolve());
    });
    return new VoiceGatewayServer(https, hooks);
  }

  /** `host:port`, the VOICE_SERVER_UPDATE endpoint. */
  get endpoint(): string {
    return `127.0.0.1:${(this.#https.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#https.closeAllConnections();
    await new Promise<void>((resolve) => this.#https.close(() => resolve()));
  }

  #onConnection(socket: WebSocket): void {
    let session: BotVoiceSession | undefined;
    socket.send(JSON.stringify({ op: VoiceOp.Hello, d: { heartbeat_interval: VOICE_HEARTBEAT_INTERVAL_MS, v: 8 } }));
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      if (session?.socket === socket) session.socket = null;
    });
    socket.on('message', (raw, isBinary) => {
      if (isBinary) {
        const frame = Buffer.isBuffer(raw) ? raw : Buffer.concat(raw as Buffer[]);
        if (session?.socket === socket && frame.length > 0) session.dave?.onBinary(frame[0]!, frame.subarray(1));
        return;
      }
      let packet: { op: number; d: any };
      try {
        packet = JSON.parse(raw.toString());
      } catch {
        return;
      }
      const { op, d } = packet;
      if (op === VoiceOp.Heartbeat) {
        socket.send(JSON.stringify({ op: VoiceOp.HeartbeatAck, d: { t: d?.t } }));
      } else if (op === VoiceOp.Identify) {
        session = this.#hooks.identify(d ?? {});
        if (!session) return socket.close(VoiceCloseCode.AuthenticationFailed, 'Authentication failed');
        session.attach(socket);
        session.dave = null;
        session.identified = true;
        session.described = false;
        session.send(VoiceOp.Ready, {
          ssrc: session.ssrc,
          ip: '127.0.0.1',
          port: this.#hooks.udpPort(),
          modes: [ENCRYPTION_MODE],
          heartbeat_interval: VOICE_HEARTBEAT_INTERVAL_MS,
        });
      } else if (op === VoiceOp.SelectProtocol && session?.socket === socket) {
        if (d?.data?.mode !== ENCRYPTION_MODE) return socket.close(VoiceCloseCode.UnknownEncryptionMode, 'Unknown encryption mode');
        if (!session.udpEndpoint && d.data.address) session.udpEndpoint = { address: d.data.address, port: d.data.port };
        session.send(VoiceOp.SessionDescription, {
          mode: ENCRYPTION_MODE,
          secret_key: [...session.secretKey],
          dave_protocol_version: this.#hooks.daveVersion(),
          audio_codec: 'opus',
          video_codec: null,
          media_session_id: session.token,
        });
        session.described = true;
        this.#hooks.onDescribed(session);
      } else if (op === VoiceOp.Speaking && session?.socket === socket) {
        session.speaking = Boolean(d?.speaking);
      } else if (op === VoiceOp.Resume) {
        session = this.#hooks.resume(d ?? {});
        if (!session) return socket.close(VoiceCloseCode.SessionNoLongerValid, 'Session no longer valid');
        session.attach(socket, { fresh: false });
        session.send(VoiceOp.Resumed, null);
        session.replayAfter(typeof d?.seq_ack === 'number' ? d.seq_ack : undefined);
      } else if ((op === DaveOp.ReadyForTransition || op === DaveOp.InvalidCommitWelcome) && session?.socket === socket) {
        session.dave?.onJson(op, d);
      }
    });
  }
}
