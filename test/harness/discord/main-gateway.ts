import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomToken } from './ids.ts';
import { guildShard, parseIdentifyShard, routeGuildId } from './shards.ts';

/** Discord's usual main-gateway heartbeat interval. */
const GATEWAY_HEARTBEAT_INTERVAL_MS = 41_250;
/** How many past dispatches a resumed session can replay. */
const REPLAY_HISTORY_LIMIT = 2_000;

const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, PresenceUpdate: 3, VoiceStateUpdate: 4, Resume: 6, RequestGuildMembers: 8, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;

/** What the main gateway asks the rest of the fake. */
export interface MainGatewayHooks {
  botToken: string;
  readyPayload(sessionId: string, resumeUrl: string, shard: [number, number]): Record<string, unknown>;
  /** GUILD_CREATE payloads sent after READY, one per guild of the shard. */
  guildCreates(shard: [number, number]): Record<string, unknown>[];
  /** Gateway op 4 from the bot (join/move/leave voice). */
  onVoiceStateUpdate(d: { guild_id: string; channel_id: string | null; self_mute?: boolean; self_deaf?: boolean }): void;
  /** Gateway op 8 from the bot. */
  onRequestGuildMembers(d: Record<string, unknown>): void;
}

interface Dispatched {
  s: number;
  t: string;
  d: unknown;
}

interface Session {
  id: string;
  /** `[shard_id, num_shards]` from IDENTIFY; `[0, 1]` when the bot did not shard. */
  shard: [number, number];
  /** READY and every GUILD_CREATE were written to the socket. */
  delivered: boolean;
  seq: number;
  history: Dispatched[];
  socket: WebSocket | null;
}

/**
 * The main gateway (plain ws, JSON): HELLO, heartbeat ACKs, IDENTIFY -> READY + GUILD_CREATEs, RESUME with
 * replay of missed dispatches, and op 4/8 routed to the fake. Dispatches made while the bot's socket is
 * down are kept and replayed on RESUME, as Discord does.
 *
 * Sharded bots get one session per shard: each guild's events go to the shard that owns it (see
 * shards.ts), everything without a guild to shard 0.
 */
export class MainGateway {
  readonly stats = { identifies: 0, resumes: 0, connections: 0 };
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #hooks: MainGatewayHooks;
  readonly #url: string;
  /** Live sessions by shard id. */
  readonly #sessions = new Map<number, Session>();

  constructor(hooks: MainGatewayHooks, url: string) {
    this.#hooks = hooks;
    this.#url = url;
    this.#wss.on('connection', (socket) => this.#onConnection(socket));
  }

  /** Hands an HTTP upgrade request to the gateway's WebSocket server. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#wss.emit('connection', ws, request));
  }

  /**
   * True once every shard of the bot identified and its READY burst (with every GUILD_CREATE) was written
   * to its socket.
   */
  get botReady(): boolean {
    const sessions = [...this.#sessions.values()];
    const count = sessions[0]?.shard[1];
    return count !== undefined && sessions.length === count && sessions.every((s) => s.delivered && s.shard[1] === count);
  }

  /** The shards the bot identified as, `[shard_id, num_shards]`, by shard id. */
  get shards(): [number, number][] {
    return [...this.#sessions.values()].map((s) => s.shard).sort((a, b) => a[0] - b[0]);
  }

  /** The session id of the shard that owns `guildId` (also the bot's voice state session id there). */
  sessionId(guildId?: string): string | undefined {
    return this.#sessionFor(guildId)?.id;
  }

  /** True when a session exists (identified, maybe currently disconnected and resumable). */
  get hasSession(): boolean {
    return this.#sessions.size > 0;
  }

  /**
   * Sends (or, while disconnected, queues for replay) a dispatch on the shard owning its guild. Dropped
   * when that shard never identified.
   */
  dispatch(event: string, data: unknown, onFlushed?: () => void): void {
    this.#dispatchTo(this.#sessionFor(routeGuildId(event, data)), event, data, onFlushed);
  }

  #sessionFor(guildId: string | undefined): Session | undefined {
    for (const session of this.#sessions.values()) {
      if (guildShard(guildId, session.shard[1]) === session.shard[0]) return session;
    }
    return undefined;
  }

  #dispatchTo(session: Session | undefined, event: string, data: unknown, onFlushed?: () => void): void {
    if (!session) return;
    session.seq += 1;
    const entry: Dispatched = { s: session.seq, t: event, d: data };
    session.history.push(entry);
    if (session.history.length > REPLAY_HISTORY_LIMIT) session.history.shift();
    if (session.socket) this.#sendDispatch(session.socket, entry, onFlushed);
  }

  /** Closes a shard's gateway socket with `code` (1006 = drop the TCP connection without a close frame). */
  dropConnection(code: number, shardId = 0): void {
    const socket = this.#sessions.get(shardId)?.socket;
    if (!socket) throw new Error('FakeDiscord: the bot has no open gateway connection to drop');
    if (code === 1006) socket.terminate();
    else socket.close(code, 'FakeDiscord dropGateway');
  }

  /** Terminates every socket; the fake is shutting down. */
  close(): void {
    for (const client of this.#wss.clients) client.terminate();
    this.#wss.close();
  }

  #onConnection(socket: WebSocket): void {
    this.stats.connections += 1;
    this.#send(socket, { op: Op.Hello, d: { heartbeat_interval: GATEWAY_HEARTBEAT_INTERVAL_MS }, s: null, t: null });
    socket.on('message', (raw, isBinary) => {
      if (isBinary) return;
      let payload: { op: number; d: any };
      try {
        payload = JSON.parse(raw.toString());
      } catch {
        socket.close(4002, 'Error while decoding payload');
        return;
      }
      this.#onPayload(socket, payload);
    });
    socket.on('close', () => {
      const session = this.#sessionOf(socket);
      if (session) session.socket = null;
    });
    socket.on('error', () => socket.terminate());
  }

  #onPayload(socket: WebSocket, { op, d }: { op: number; d: any }): void {
    switch (op) {
      case Op.Heartbeat:
        this.#send(socket, { op: Op.HeartbeatAck, d: null, s: null, t: null });
        return;
      case Op.Identify:
        this.#identify(socket, d);
        return;
      case Op.Resume:
        this.#resume(socket, d);
        return;
      case Op.VoiceStateUpdate:
        // Only the shard that owns the guild may change the bot's voice state there.
        if (this.#ownsGuild(socket, d?.guild_id)) this.#hooks.onVoiceStateUpdate(d);
        return;
      case Op.RequestGuildMembers:
        if (this.#sessionOf(socket)) this.#hooks.onRequestGuildMembers(d);
        return;
      case Op.PresenceUpdate:
        return;
      default:
        socket.close(4001, 'Unknown opcode');
    }
  }

  #identify(socket: WebSocket, d: { token?: string; shard?: unknown }): void {
    if (d?.token !== this.#hooks.botToken) {
      socket.close(4004, 'Authentication failed');
      return;
    }
    const shard = parseIdentifyShard(d.shard);
    if (!shard) {
      // https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes
      socket.close(4010, 'Invalid shard');
      return;
    }
    this.stats.identifies += 1;
    const replaced = this.#sessions.get(shard[0])?.socket;
    if (replaced && replaced !== socket) replaced.close(4000, 'Replaced by a new session');
    // A different shard count replaces every session: the bot resharded.
    for (const [id, other] of this.#sessions) if (other.shard[1] !== shard[1]) this.#sessions.delete(id);
    const session: Session = { id: randomToken(16), shard, delivered: false, seq: 0, history: [], socket };
    this.#sessions.set(shard[0], session);
    // Marked ready only once the socket flushed the whole READY burst, so tests never race it.
    const markDelivered = (): void => {
      session.delivered = true;
    };
    const guilds = this.#hooks.guildCreates(shard);
    this.#dispatchTo(session, 'READY', this.#hooks.readyPayload(session.id, this.#url, shard), guilds.length === 0 ? markDelivered : undefined);
    guilds.forEach((guild, index) => {
      this.#dispatchTo(session, 'GUILD_CREATE', guild, index === guilds.length - 1 ? markDelivered : undefined);
    });
  }

  #sessionOf(socket: WebSocket): Session | undefined {
    for (const session of this.#sessions.values()) if (session.socket === socket) return session;
    return undefined;
  }

  #ownsGuild(socket: WebSocket, guildId: unknown): boolean {
    const session = this.#sessionOf(socket);
    return session !== undefined && guildShard(String(guildId), session.shard[1]) === session.shard[0];
  }

  #resume(socket: WebSocket, d: { token?: string; session_id?: string; seq?: number }): void {
    const session = [...this.#sessions.values()].find((s) => s.id === d?.session_id);
    if (d?.token !== this.#hooks.botToken || !session) {
      this.#send(socket, { op: Op.InvalidSession, d: false, s: null, t: null });
      return;
    }
    this.stats.resumes += 1;
    if (session.socket && session.socket !== socket) session.socket.terminate();
    session.socket = socket;
    for (const entry of session.history) if (entry.s > (d.seq ?? 0)) this.#sendDispatch(socket, entry);
    this.#dispatchTo(session, 'RESUMED', { _trace: ['fake-discord'] });
  }

  #sendDispatch(socket: WebSocket, entry: Dispatched, onFlushed?: () => void): void {
    this.#send(socket, { op: Op.Dispatch, t: entry.t, s: entry.s, d: entry.d }, onFlushed);
  }

  #send(socket: WebSocket, payload: unknown, onFlushed?: () => void): void {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify(payload), (error) => {
      if (!error) onFlushed?.();
    });
  }
}
