/**
 * Voice conversation in one guild's voice channel: whom Parley listens to, turning their utterances
 * into turns answered aloud (speculatively started, and in addressed mode only when spoken to), and
 * barge-in (speaking over an answer stops it).
 */
import { randomUUID } from 'node:crypto';
import type { GuildMember } from 'discord.js';
import { OPENAI_PCM_RATE } from '../audio/format.ts';
import { encodeWav } from '../audio/wav.ts';
import type { TurnTimings } from '../answers/turn-timings.ts';
import type { Config } from '../config.ts';
import type { TalkMode, UserTurn } from '../conversation/types.ts';
import { TurnWithdrawnError, UserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { VoiceSession } from '../voice/session.ts';
import type { OpusTrack } from '../voice/track.ts';
import { addressedInstructions, SKIP_MARKER } from './addressed.ts';
import { MemberListener } from './member-listener.ts';
import type { Utterance } from './segmenter.ts';
import { SpeculativeStarts } from './speculation.ts';
import type { TurnLatencies } from './turn-latency.ts';

/** A member's utterance, ready to be answered aloud in the session's channel. */
export interface SpokenTurn {
  user: UserTurn;
  /** performance.now() of the member's last speech. */
  spokenAt: number;
  session: VoiceSession;
  /** Called once the answer starts playing, with its track (for barge-in). */
  onTrack(track: OpusTrack): void;
  /** Speculative start: play only once this resolves true; false withdraws the turn (TurnWithdrawnError). */
  hold?: Promise<boolean>;
  /** Addressed mode: an answer starting with this marker is not played, only kept as context. */
  skipMarker?: string;
  /** Added to the persona for this request only (addressed mode's rules). */
  instructions?: string;
  /** When the answer's stages happened, once it was played or skipped (/latency). */
  onTimings(timings: TurnTimings): void;
}

/**
 * What a voice conversation needs from the running bot, built once at start-up: the conversation
 * engine that answers a spoken turn, and the few lookups around it.
 */
export interface TalkServices {
  config: Pick<Config, 'silenceMs' | 'minSpeechMs' | 'maxUtteranceMs' | 'bargeInMs' | 'earlyStartMs'>;
  /** Answers the turn aloud and stores it (runs after the channel's earlier turns). */
  answer(turn: SpokenTurn): Promise<{ skipped?: boolean }>;
  /** Whether speaking over an answer stops it in this guild (a stored setting). */
  bargeInEnabled(guildId: string): Promise<boolean>;
  /** Why the guild may not spend more today, if it may not (read from the store). */
  budgetRefusal(guildId: string): Promise<UserError | undefined>;
  /** Posts in a channel's text chat; failures are the caller's to log. */
  post(channelId: string, content: string): Promise<void>;
  /** Members (not bots) in a voice channel now. */
  membersIn(channelId: string): number;
  /** The name members call the bot by. */
  botName(): string;
  /** Turns queued or running in a channel. */
  pendingTurns(channelId: string): number;
  /** Counts a speculative start as used or wasted (metrics and /usage). */
  speculativeStart(guildId: string, wasted: boolean): void;
}

export class TalkSession {
  /** Listen to every (non-bot) member in the channel, not only those who opted in. */
  everyone = false;
  /** `addressed`: with two or more members in the channel, answer only what is said to Parley. */
  mode: TalkMode = 'all';
  /** performance.now() of the last speech heard from a listened member (presence uses it). */
  lastSpeechAt = performance.now();
  private readonly listeners = new Map<string, MemberListener>();
  /** Display names of the members listened to now (and only those). */
  private readonly names = new Map<string, string>();
  private answering: OpusTrack | undefined;
  /** The utterance each member's early silence offered for a speculative start, until it ends or goes on. */
  private readonly tentative = new Map<string, Utterance>();
  /** Budget reads are asynchronous; one chain keeps utterances admitted in the order they were spoken. */
  private admissions: Promise<void> = Promise.resolve();
  private readonly services: TalkServices;
  private readonly session: VoiceSession;
  private readonly latency: TurnLatencies;
  private readonly log: Logger;
  private readonly speculation: SpeculativeStarts;

  constructor(services: TalkServices, session: VoiceSession, latency: TurnLatencies) {
    this.services = services;
    this.session = session;
    this.latency = latency;
    this.log = session.log.child({ talk: true });
    this.speculation = new SpeculativeStarts((confirmed) => services.speculativeStart(session.guildId, !confirmed));
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
    const { silenceMs, minSpeechMs, maxUtteranceMs, earlyStartMs } = this.services.config;
    const listener = new MemberListener(
      this.session.connection.receiver,
      member.id,
      { silenceMs, minSpeechMs, maxUtteranceMs, earlyStartMs: earlyStartMs || undefined },
      {
        utterance: (u) => this.onUtterance(member.id, u),
        speech: (ms) => this.onSpeech(ms),
        tentative: (u) => this.onTentative(member.id, u),
        resumed: () => {
          this.tentative.delete(member.id);
          this.speculation.withdraw(member.id);
        },
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
    this.tentative.delete(userId);
    this.speculation.withdraw(userId);
    this.listeners.delete(userId);
    this.names.delete(userId);
    return true;
  }

  /** Stops listening to everyone. */
  close(): void {
    this.tentative.clear();
    this.speculation.withdrawAll();
    for (const userId of [...this.listeners.keys()]) this.forget(userId);
    this.everyone = false;
  }

  private onSpeech(speechMs: number): void {
    this.lastSpeechAt = performance.now();
    const track = this.answering;
    if (!track || track.cancelled || track.playedFrames === 0 || speechMs < this.services.config.bargeInMs) return;
    void this.services.bargeInEnabled(this.session.guildId).then(
      (enabled) => {
        if (!enabled || track.cancelled) return;
        this.log.info('barge-in: stopping the answer', { playedMs: track.playedMs });
        track.cancel();
      },
      (err: unknown) => this.log.warn('barge-in setting unreadable; the answer goes on', { err: err as Error }),
    );
  }

  /**
   * Early silence: start the answer now and hold it, when the channel has nothing else running (a start
   * queued behind another answer would gain nothing and hold the queue).
   */
  private onTentative(userId: string, utterance: Utterance): void {
    this.tentative.set(userId, utterance);
    this.admissions = this.admissions.then(async () => {
      const channelId = this.session.channelId;
      if (!channelId || this.speculation.size > 0 || this.services.pendingTurns(channelId) > 0) return;
      // Over budget: no early start; the confirmed utterance says so.
      if (await this.services.budgetRefusal(this.session.guildId).catch(() => true)) return;
      // The member went on speaking, or finished, while the budget was read: nothing to start on.
      if (this.tentative.get(userId) !== utterance) return;
      this.startTurn(userId, utterance, channelId, this.speculation.begin(userId));
    });
  }

  private onUtterance(userId: string, utterance: Utterance): void {
    this.tentative.delete(userId);
    if (this.speculation.confirm(userId)) return; // the held answer plays now
    this.admissions = this.admissions.then(() => this.admit(userId, utterance));
  }

  private async admit(userId: string, utterance: Utterance): Promise<void> {
    const channelId = this.session.channelId;
    if (!channelId) return;
    let overBudget: UserError | undefined;
    try {
      overBudget = await this.services.budgetRefusal(this.session.guildId);
    } catch (err) {
      this.log.warn('budget unreadable; the utterance is not answered', { err: err as Error });
      return;
    }
    if (overBudget) {
      if (this.listeners.size === 0) return;
      // Out of budget mid-conversation: stop listening cleanly rather than refuse every sentence.
      this.close();
      void this.say(`${overBudget.message} I stopped listening.`);
      return;
    }
    this.startTurn(userId, utterance, channelId);
  }

  /** Addressed mode is in effect: chosen, and at least two members (not bots) in the channel. */
  private get addressedNow(): boolean {
    if (this.mode !== 'addressed' || !this.session.channelId) return false;
    return this.services.membersIn(this.session.channelId) >= 2;
  }

  private startTurn(userId: string, utterance: Utterance, channelId: string, hold?: Promise<boolean>): void {
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
    this.log.debug('utterance', { userId, durationMs: utterance.durationMs, speechMs: utterance.speechMs, reason: utterance.reason, speculative: hold !== undefined });
    const addressed = this.addressedNow ? { skipMarker: SKIP_MARKER, instructions: addressedInstructions(this.services.botName()) } : {};
    let timings: TurnTimings | undefined;
    this.services
      .answer({
        user,
        spokenAt: utterance.lastSpeechAt,
        session: this.session,
        hold,
        ...addressed,
        onTrack: (track) => this.follow(track),
        onTimings: (t) => (timings = t),
      })
      .then((result) => {
        if (timings) this.recordLatency(user.speakerName, utterance.lastSpeechAt, timings, hold !== undefined, result.skipped ?? false);
      })
      .catch((err: unknown) => {
        if (!(err instanceof TurnWithdrawnError)) this.reportFailure(err, user);
      });
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

  private recordLatency(speaker: string, spokenAt: number, t: TurnTimings, speculative: boolean, skipped: boolean): void {
    const after = (at: number | undefined) => (at === undefined ? undefined : Math.round(at - spokenAt));
    this.latency.record(this.session.guildId, {
      at: Date.now(),
      speaker,
      requestMs: Math.round(t.requestAt - spokenAt),
      firstModelAudioMs: after(t.firstModelAudioAt),
      firstPlayedMs: after(t.firstPlayedAt),
      speculative,
      skipped,
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
