import { randomBytes } from 'node:crypto';
import type { WebSocket } from 'ws';
import { randomSsrc, randomToken } from './ids.ts';
import type { DaveCall } from './dave-call.ts';

/** Sent messages kept for a buffered resume (voice gateway v8 replays what the client did not acknowledge). */
const RESUME_BUFFER_MESSAGES = 256;
/** How long a close handshake may take before the socket is cut. */
const CLOSE_HANDSHAKE_TIMEOUT_MS = 2_000;

/** Where the bot's voice UDP socket lives (learned from IP discovery). */
export interface UdpEndpoint {
  address: string;
  port: number;
}

/** RTP counters of one member's outgoing stream towards the bot. */
export interface MemberRtpStream {
  sequence: number;
  timestamp: number;
  nonce: number;
}

/**
 * One voice session of the bot in a guild: created when the fake answers gateway op 4 with a
 * VOICE_SERVER_UPDATE, identified on the voice websocket, and "described" (media ready) once
 * SESSION_DESCRIPTION went out. It survives voice websocket resumes; a new op 4 join replaces it.
 */
export class BotVoiceSession {
  readonly guildId: string;
  readonly channelId: string;
  /** The voice token handed out in VOICE_SERVER_UPDATE. */
  readonly token = randomToken(12);
  /** The bot's voice state session id (its main gateway session id). */
  readonly sessionId: string;
  readonly ssrc = randomSsrc();
  readonly secretKey = randomBytes(32);
  socket: WebSocket | null = null;
  identified = false;
  /** SESSION_DESCRIPTION sent: keys agreed, media may flow. */
  described = false;
  /** Set when the session can no longer be resumed (invalidated, kicked, replaced). */
  ended = false;
  udpEndpoint: UdpEndpoint | null = null;
  /** Last op 5 speaking flag from the bot. */
  speaking = false;
  /** RTP packets from the bot whose decryption failed (wrong key/nonce/AAD would show up here). */
  decryptFailures = 0;
  /** Members whose ssrc the bot learnt from an op 5 on the current socket. */
  readonly announcedSpeakers = new Set<string>();
  readonly memberStreams = new Map<string, MemberRtpStream>();
  /** The DAVE group of this session (null when DAVE version 0 was negotiated); new with every SESSION_DESCRIPTION. */
  dave: DaveCall | null = null;
  #sequence = 0;
  readonly #sent: { seq: number; data: string | Buffer }[] = [];

  constructor(guildId: string, channelId: string, sessionId: string) {
    this.guildId = guildId;
    this.channelId = channelId;
    this.sessionId = sessionId;
  }

  /** The socket is open and media keys were agreed: what `botVoice().connected` reports. */
  get mediaReady(): boolean {
    return !this.ended && this.described && this.socket !== null && this.socket.readyState === this.socket.OPEN;
  }

  /** Sends a sequenced voice-gateway JSON message (v8 clients echo `seq` back as `seq_ack`). */
  send(op: number, d: unknown): void {
    if (this.ended) return;
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#transmit(JSON.stringify({ op, d, seq: this.#sequence }));
  }

  /** Sends a binary voice-gateway message: `u16 sequence | u8 opcode | payload` (DAVE opcodes 25-30). */
  sendBinary(op: number, payload: Buffer): void {
    if (this.ended) return;
    this.#sequence = (this.#sequence + 1) & 0xffff;
    const header = Buffer.alloc(3);
    header.writeUInt16BE(this.#sequence, 0);
    header.writeUInt8(op, 2);
    this.#transmit(Buffer.concat([header, payload]));
  }

  /**
   * Buffered resume (voice gateway v8, discord.dev "Voice Connections", Buffered Resume): after
   * RESUMED the server re-sends the messages whose sequence the client's `seq_ack` did not cover.
   */
  replayAfter(seqAck: number | undefined): void {
    if (seqAck === undefined || !this.socket) return;
    // The last entry is the RESUMED just sent.
    for (const entry of this.#sent.slice(0, -1)) if (entry.seq > seqAck) this.socket.send(entry.data);
  }

  #transmit(data: string | Buffer): void {
    this.#sent.push({ seq: this.#sequence, data });
    if (this.#sent.length > RESUME_BUFFER_MESSAGES) this.#sent.shift();
    // While the socket is down the message waits in the buffer for the client's resume.
    const socket = this.socket;
    if (socket && socket.readyState === socket.OPEN) socket.send(data);
  }

  /** Attaches a (re)connected socket; speakers must be announced again on it. */
  attach(socket: WebSocket, opts: { fresh: boolean } = { fresh: true }): void {
    if (opts.fresh) this.#sent.length = 0;
    if (this.socket && this.socket !== socket) this.socket.terminate();
    this.socket = socket;
    this.announcedSpeakers.clear();
  }

  /** Closes the socket (1006 = drop without a close frame) and waits until it is gone. */
  async closeSocket(code: number, reason = ''): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState === socket.CLOSED) return;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    if (code === 1006) socket.terminate();
    else socket.close(code, reason);
    // A peer that never answers the close frame must not stall the test for ws's 30 s timeout.
    const stuck = setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_TIMEOUT_MS);
    await closed;
    clearTimeout(stuck);
  }

  /** The RTP counters for a member's stream towards the bot, random starts like real clients. */
  memberStream(userId: string): MemberRtpStream {
    let stream = this.memberStreams.get(userId);
    if (!stream) {
      const start = randomBytes(6);
      stream = { sequence: start.readUInt16BE(0), timestamp: start.readUInt32BE(2), nonce: 0 };
      this.memberStreams.set(userId, stream);
    }
    return stream;
  }
}

/** Deterministic packet loss (seeded mulberry32), so a lossy test fails or passes the same way every run. */
export class LossModel {
  ratio = 0;
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** True when this packet should be dropped. */
  drop(): boolean {
    if (this.ratio <= 0) return false;
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296 < this.ratio;
  }
}
