import { randomSsrc, randomToken } from './ids.ts';
import { OPUS_SILENCE_FRAME, SAMPLES_PER_FRAME_48K, encryptRtp } from './rtp.ts';
import { SAMPLES_PER_STEREO_FRAME, createOpusCodec, samplesToPcmBytes } from './opus.ts';
import { VoiceOp } from './voice-gateway.ts';
import { sleep } from './wait.ts';
import type { BotVoiceController } from './bot-voice.ts';
import type { BotVoiceSession } from './voice-session.ts';
import type { FakeGuild } from './fake-guild.ts';
import type { VoiceUdpServer } from './voice-udp.ts';

/** One Opus frame every 20 ms, like every Discord client. */
const FRAME_INTERVAL_MS = 20;
/** Real clients follow speech with five silence frames. */
const DEFAULT_TRAILING_SILENCE_FRAMES = 5;
/**
 * Pause between the first op 5 (TCP) and the first RTP packet (UDP): the receiver drops packets whose
 * ssrc it cannot map yet, and the two sockets are not ordered relative to each other.
 */
const SPEAKING_ANNOUNCE_SETTLE_MS = 40;
/** RTP header extension body real clients send (one-byte header: id 1, audio level), encrypted with the payload. */
const CLIENT_RTP_EXTENSION = Buffer.from([0x10, 0x7f, 0x00, 0x00]);

/** What the members' voice side needs from the rest of the fake. */
export interface MemberVoiceDeps {
  botUserId: string;
  guild(guildId: string): FakeGuild;
  dispatch(event: string, data: Record<string, unknown>): void;
  bot: BotVoiceController;
  udp(): VoiceUdpServer;
  signal: AbortSignal;
}

/** When the member's packets left (performance.now()), for latency figures. */
export interface SpeakResult {
  firstPacketAt: number;
  /** The last packet carrying speech, before the trailing silence frames. */
  lastSpeechPacketAt: number;
}

/** Options of `speak`. */
export interface SpeakOptions {
  /** F8 FF FE frames after the speech (default 5, like real clients). */
  trailingSilenceFrames?: number;
  /** Corrupt the DAVE layer of every speech frame (the bot's decryption must fail), to drill recovery. */
  corruptDave?: boolean;
}

/** Human members in voice: their voice states, op 11/13 towards the bot, and their (paced, encrypted) speech. */
export class MemberVoice {
  readonly #ssrcs = new Map<string, number>();
  readonly #deps: MemberVoiceDeps;

  constructor(deps: MemberVoiceDeps) {
    this.#deps = deps;
  }

  /** A member joins/moves/leaves voice: VOICE_STATE_UPDATE, plus op 11/13 to a bot connection in the channel. */
  setVoiceState(guildId: string, userId: string, channelId: string | null): void {
    if (userId === this.#deps.botUserId) throw new Error('FakeDiscord.setVoiceState is for members; use moveBot for the bot');
    const guild = this.#deps.guild(guildId);
    const member = guild.member(userId);
    const previous = guild.voiceStates.get(member.id);
    if (channelId === null) {
      guild.voiceStates.delete(member.id);
    } else {
      const channel = guild.channel(channelId);
      if (channel.kind !== 'voice' && channel.kind !== 'stage') throw new Error(`FakeDiscord: ${channel.name} is not a voice channel`);
      guild.voiceStates.set(member.id, {
        userId: member.id,
        channelId: channel.id,
        sessionId: previous?.sessionId ?? randomToken(16),
        selfMute: false,
        selfDeaf: false,
        suppress: channel.kind === 'stage',
        requestToSpeakTimestamp: null,
      });
    }
    this.#deps.dispatch('VOICE_STATE_UPDATE', guild.voiceStateUpdate(member.id));
    const session = this.#deps.bot.sessions.get(guild.id);
    if (!session?.mediaReady) return;
    const now = guild.voiceStates.get(member.id)?.channelId;
    if (previous?.channelId === session.channelId && now !== session.channelId) {
      session.send(VoiceOp.ClientDisconnect, { user_id: member.id });
      session.announcedSpeakers.delete(member.id);
      session.dave?.memberLeft(member.id);
    } else if (now === session.channelId && previous?.channelId !== session.channelId) {
      session.send(VoiceOp.ClientsConnect, { user_ids: [member.id] });
      session.dave?.memberJoined(member.id);
    }
  }

  /** A member's client applies DAVE before transport encryption; a drill may break the DAVE tag. */
  #daveLayer(session: BotVoiceSession, userId: string, payload: Buffer, corrupt: boolean): Buffer {
    const framed = session.dave?.encryptFrom(userId, payload) ?? payload;
    if (!corrupt || framed === payload) return framed;
    const broken = Buffer.from(framed);
    broken[0] = broken[0]! ^ 0xff; // the AES-GCM tag no longer matches
    return broken;
  }

  /** Media became ready on a bot session: announce the members already in its channel (op 11). */
  announceMembers(session: BotVoiceSession): void {
    const guild = this.#deps.guild(session.guildId);
    const present = guild.usersInVoiceChannel(session.channelId).filter((id) => id !== this.#deps.botUserId);
    if (present.length > 0) session.send(VoiceOp.ClientsConnect, { user_ids: present });
  }

  /** The member's stable audio ssrc in a guild. */
  ssrcOf(guildId: string, userId: string): number {
    const key = `${guildId}:${userId}`;
    let ssrc = this.#ssrcs.get(key);
    if (ssrc === undefined) {
      ssrc = randomSsrc();
      this.#ssrcs.set(key, ssrc);
    }
    return ssrc;
  }

  /**
   * The member speaks `pcm48kStereo` (interleaved s16) into the bot's channel: op 5, then Opus frames
   * encrypted like a client's, one per 20 ms on a drift-corrected clock (last frame zero-padded), then
   * silence frames. Resolves after the last packet; stops early if the bot's session ends.
   */
  async speak(guildId: string, userId: string, pcm48kStereo: Int16Array, opts: SpeakOptions = {}): Promise<SpeakResult> {
    const guild = this.#deps.guild(guildId);
    const member = guild.member(userId);
    const session = this.#deps.bot.sessions.get(guild.id);
    if (!session?.mediaReady || !session.udpEndpoint) throw new Error(`FakeDiscord.speak: the bot has no ready voice connection in ${guild.name}`);
    if (guild.voiceStates.get(member.id)?.channelId !== session.channelId) {
      throw new Error(`FakeDiscord.speak: ${member.username} is not in the bot's voice channel (use setVoiceState first)`);
    }
    const ssrc = this.ssrcOf(guild.id, member.id);
    const firstAnnouncement = !session.announcedSpeakers.has(member.id);
    session.send(VoiceOp.Speaking, { user_id: member.id, ssrc, speaking: 1 });
    session.announcedSpeakers.add(member.id);
    if (firstAnnouncement) await sleep(SPEAKING_ANNOUNCE_SETTLE_MS, this.#deps.signal);

    const encoder = createOpusCodec();
    const frames: Buffer[] = [];
    for (let offset = 0; offset < pcm48kStereo.length; offset += SAMPLES_PER_STEREO_FRAME) {
      const frame = new Int16Array(SAMPLES_PER_STEREO_FRAME);
      frame.set(pcm48kStereo.subarray(offset, offset + SAMPLES_PER_STEREO_FRAME));
      frames.push(encoder.encode(samplesToPcmBytes(frame)));
    }
    for (let i = 0; i < (opts.trailingSilenceFrames ?? DEFAULT_TRAILING_SILENCE_FRAMES); i += 1) frames.push(OPUS_SILENCE_FRAME);

    const stream = session.memberStream(member.id);
    const start = performance.now();
    const speechFrames = frames.length - (opts.trailingSilenceFrames ?? DEFAULT_TRAILING_SILENCE_FRAMES);
    const result: SpeakResult = { firstPacketAt: NaN, lastSpeechPacketAt: NaN };
    for (const [index, payload] of frames.entries()) {
      const wait = start + index * FRAME_INTERVAL_MS - performance.now();
      if (wait > 0) await sleep(wait, this.#deps.signal);
      if (this.#deps.signal.aborted || session.ended || !session.udpEndpoint) return result;
      const packet = encryptRtp(
        { sequence: stream.sequence, timestamp: stream.timestamp, ssrc, extension: CLIENT_RTP_EXTENSION, payload: this.#daveLayer(session, member.id, payload, opts.corruptDave ?? false) },
        session.secretKey,
        stream.nonce,
      );
      stream.sequence = (stream.sequence + 1) & 0xffff;
      stream.timestamp = (stream.timestamp + SAMPLES_PER_FRAME_48K) >>> 0;
      stream.nonce = (stream.nonce + 1) >>> 0;
      if (!this.#deps.bot.loss(guild.id).drop()) this.#deps.udp().send(packet, session.udpEndpoint);
      if (index === 0) result.firstPacketAt = performance.now();
      if (index === speechFrames - 1) result.lastSpeechPacketAt = performance.now();
    }
    return result;
  }
}
