/**
 * Voice conversation in one guild's voice channel: whom Parley listens to, turning their utterances
 * into turns answered aloud, and barge-in (speaking over an answer stops it).
 */
import { randomUUID } from 'node:crypto';
import type { GuildMember } from 'discord.js';
import { OPENAI_PCM_RATE } from '../audio/format.ts';
import { encodeWav } from '../audio/wav.ts';
import type { Config } from '../config.ts';
import type { UserTurn } from '../conversation/types.ts';
import { UserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { VoiceSession } from '../voice/session.ts';
import type { OpusTrack } from '../voice/track.ts';
import { MemberListener } from './member-listener.ts';
import type { Utterance } from './segmenter.ts';

/** A member's utterance, ready to be answered aloud in the session's channel. */
export interface SpokenTurn {
  user: UserTurn;
  /** performance.now() of the member's last speech. */
  spokenAt: number;
  session: VoiceSession;
  /** Called once the answer starts playing, with its track (for barge-in). */
  onTrack(track: OpusTrack): void;
}

/**
 * What a voice conversation needs from the running bot, built once at start-up: the conversation
 * engine that answers a spoken turn, and the few lookups around it.
 */
export interface TalkServices {
  config: Pick<Config, 'silenceMs' | 'minSpeechMs' | 'maxUtteranceMs' | 'bargeInMs'>;
  /** Answers the turn aloud and stores it (runs after the channel's earlier turns). */
  answer(turn: SpokenTurn): Promise<unknown>;
  /** Whether speaking over an answer stops it in this guild. */
  bargeInEnabled(guildId: string): boolean;
  /** Why the guild may not spend more today, if it may not. */
  budgetRefusal(guildId: string): UserError | undefined;
  /** Posts in a channel's text chat; failures are the caller's to log. */
  post(channelId: string, content: string): Promise<void>;
}

export class TalkSession {
  /** Listen to every (non-bot) member in the channel, not only those who opted in. */
  everyone = false;
  private readonly listeners = new Map<string, MemberListener>();
  /** Display names of the members listened to now (and only those). */
  private readonly names = new Map<string, string>();
  private answering: OpusTrack | undefined;
  private readonly services: TalkServices;
  private readonly session: VoiceSession;
  private readonly log: Logger;

  constructor(services: TalkServices, session: VoiceSession) {
    this.services = services;
    this.session = session;
    this.log = session.log.child({ talk: true });
  }

  /** Members listened to now. */
  get listening(): string[] {
    return [...this.listeners.keys()];
  }

  /** Starts listening to `member` (no-op when already listening); bots are never listened to. */
  listen(member: GuildMember): boolean {
    if (member.user.bot) return false;
    if (this.listeners.has(member.id)) return false;
    this.names.set(member.id, member.displayName);
    const { silenceMs, minSpeechMs, maxUtteranceMs } = this.services.config;
    const listener = new MemberListener(
      this.session.connection.receiver,
      member.id,
      { silenceMs, minSpeechMs, maxUtteranceMs },
      {
        utterance: (u) => this.onUtterance(member.id, u),
        speech: (ms) => this.onSpeech(ms),
      },
      this.session.receiveTap,
    );
    this.listeners.set(member.id, listener);
    return true;
  }

  /** Stops listening to one member (they left, or ran /talk stop). */
  forget(userId: string): boolean {
    const listener = this.listeners.get(userId);
    if (!listener) return false;
    listener.stop();
    this.listeners.delete(userId);
    this.names.delete(userId);
    return true;
  }

  /** Stops listening to everyone. */
  close(): void {
    for (const userId of [...this.listeners.keys()]) this.forget(userId);
    this.everyone = false;
  }

  private onSpeech(speechMs: number): void {
    const track = this.answering;
    if (!track || track.cancelled || track.playedFrames === 0 || speechMs < this.services.config.bargeInMs) return;
    if (!this.services.bargeInEnabled(this.session.guildId)) return;
    this.log.info('barge-in: stopping the answer', { playedMs: track.playedMs });
    track.cancel();
  }

  private onUtterance(userId: string, utterance: Utterance): void {
    const channelId = this.session.channelId;
    if (!channelId) return;
    const overBudget = this.services.budgetRefusal(this.session.guildId);
    if (overBudget) {
      // Out of budget mid-conversation: stop listening cleanly rather than refuse every sentence.
      this.close();
      void this.say(`${overBudget.message} I stopped listening.`);
      return;
    }
    const user: UserTurn = {
      kind: 'user',
      id: randomUUID(),
      channelId,
      guildId: this.session.guildId,
      speakerId: userId,
      speakerName: this.names.get(userId) ?? 'Someone',
      audio: { format: 'wav', data: encodeWav(utterance.pcm24kMono, OPENAI_PCM_RATE, 1), durationMs: utterance.durationMs },
      createdAt: Date.now(),
    };
    this.log.debug('utterance', { userId, durationMs: utterance.durationMs, speechMs: utterance.speechMs, reason: utterance.reason });
    this.services
      .answer({ user, spokenAt: utterance.lastSpeechAt, session: this.session, onTrack: (track) => this.follow(track) })
      .catch((err: unknown) => this.reportFailure(err, user));
  }

  /**
   * Barge-in applies to `track` while it plays; once it is done, speech is a new question again
   * (a stale reference would "stop" the finished answer on the next words).
   */
  private follow(track: OpusTrack): void {
    this.answering = track;
    void track.done.then(() => {
      if (this.answering === track) this.answering = undefined;
    });
  }

  private reportFailure(err: unknown, user: UserTurn): void {
    if (this.session.isDestroyed) return;
    const message = err instanceof UserError ? err.message : 'I could not answer that.';
    this.log.warn('spoken turn failed', { err: err instanceof Error ? err : new Error(String(err)) });
    void this.say(`${user.speakerName}: ${message}`);
  }

  /** Posts in the voice channel's text chat; failures (no permission there) are only logged. */
  async say(content: string): Promise<void> {
    const channelId = this.session.channelId;
    if (!channelId) return;
    await this.services.post(channelId, content).catch((err: Error) => this.log.info('could not post in the voice chat', { err }));
  }
}
