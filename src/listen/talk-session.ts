/**
 * Voice conversation in one guild's voice channel: whom Parley listens to, turning their utterances
 * into turns answered aloud, and barge-in (speaking over an answer stops it).
 */
import { randomUUID } from 'node:crypto';
import type { GuildMember } from 'discord.js';
import type { AppContext } from '../app-context.ts';
import { Downsampler48kStereoTo24kMono } from '../audio/resample.ts';
import { OPENAI_PCM_RATE } from '../audio/format.ts';
import { encodeWav } from '../audio/wav.ts';
import type { TalkMode, UserTurn } from '../conversation/types.ts';
import { UserError } from '../discord/errors.ts';
import { runTurn, TurnWithdrawnError, type TurnTimings } from '../answers/run-turn.ts';
import type { Logger } from '../log.ts';
import type { VoiceSession } from '../voice/session.ts';
import type { OpusTrack } from '../voice/track.ts';
import { MemberListener } from './member-listener.ts';
import type { Utterance } from './segmenter.ts';
import { forgetOldVoiceAudio } from './transcribe-old-turns.ts';
import { addressedInstructions, SKIP_MARKER } from './addressed.ts';
import { SpeculativeStarts } from './speculation.ts';

export class TalkSession {
  /** Listen to every (non-bot) member in the channel, not only those who opted in. */
  everyone = false;
  /** `addressed`: with two or more members in the channel, answer only what is said to Parley. */
  mode: TalkMode = 'all';
  /** performance.now() of the last speech heard from a listened member (presence uses it). */
  lastSpeechAt = performance.now();
  private readonly listeners = new Map<string, MemberListener>();
  private readonly names = new Map<string, string>();
  private answering: OpusTrack | undefined;
  private readonly ctx: AppContext;
  private readonly session: VoiceSession;
  private readonly log: Logger;
  private readonly speculation: SpeculativeStarts;

  constructor(ctx: AppContext, session: VoiceSession) {
    this.ctx = ctx;
    this.session = session;
    this.log = session.log.child({ talk: true });
    this.speculation = new SpeculativeStarts(ctx, session.guildId);
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
    const listener = new MemberListener(
      this.session.connection.receiver,
      member.id,
      {
        silenceMs: this.ctx.config.silenceMs,
        minSpeechMs: this.ctx.config.minSpeechMs,
        maxUtteranceMs: this.ctx.config.maxUtteranceMs,
        earlyStartMs: this.ctx.config.earlyStartMs || undefined,
      },
      {
        utterance: (u) => this.onUtterance(member.id, u),
        speech: (ms) => this.onSpeech(ms),
        tentative: (u) => this.onTentative(member.id, u),
        resumed: () => this.speculation.withdraw(member.id),
      },
    );
    this.listeners.set(member.id, listener);
    return true;
  }

  /** Stops listening to one member (they left, or ran /talk stop). */
  forget(userId: string): boolean {
    const listener = this.listeners.get(userId);
    if (!listener) return false;
    listener.stop();
    this.speculation.withdraw(userId);
    this.listeners.delete(userId);
    return true;
  }

  /** Stops listening to everyone. */
  close(): void {
    this.speculation.withdrawAll();
    for (const userId of [...this.listeners.keys()]) this.forget(userId);
    this.everyone = false;
  }

  private onSpeech(speechMs: number): void {
    this.lastSpeechAt = performance.now();
    const track = this.answering;
    if (!track || track.cancelled || track.playedFrames === 0 || speechMs < this.ctx.config.bargeInMs) return;
    if (!this.ctx.store.getSettings(this.session.guildId).bargeIn) return;
    this.log.info('barge-in: stopping the answer', { playedMs: track.playedMs });
    track.cancel();
  }

  /**
   * Early silence: start the answer now and hold it, when the channel has nothing else running (a start
   * queued behind another answer would gain nothing and hold the queue).
   */
  private onTentative(userId: string, utterance: Utterance): void {
    const channelId = this.session.channelId;
    if (!channelId || this.speculation.size > 0 || this.ctx.turns.pending(channelId) > 0) return;
    if (this.ctx.costs.budgetRefusal(this.session.guildId)) return; // the confirmed utterance says so
    this.startTurn(userId, utterance, channelId, this.speculation.begin(userId));
  }

  private onUtterance(userId: string, utterance: Utterance): void {
    if (this.speculation.confirm(userId)) return; // the held answer plays now
    const channelId = this.session.channelId;
    if (!channelId) return;
    const overBudget = this.ctx.costs.budgetRefusal(this.session.guildId);
    if (overBudget) {
      // Out of budget mid-conversation: stop listening cleanly rather than refuse every sentence.
      this.close();
      void this.say(`${overBudget.message} I stopped listening.`);
      return;
    }
    this.startTurn(userId, utterance, channelId);
  }

  /** Addressed mode is in effect: chosen, and at least two members (not bots) in the channel. */
  private get addressedNow(): boolean {
    if (this.mode !== 'addressed') return false;
    const channel = this.session.channelId ? this.ctx.client.channels.cache.get(this.session.channelId) : undefined;
    const members = channel?.isVoiceBased() ? channel.members.filter((m) => !m.user.bot).size : 0;
    return members >= 2;
  }

  private startTurn(userId: string, utterance: Utterance, channelId: string, hold?: Promise<boolean>): void {
    const downsampler = new Downsampler48kStereoTo24kMono();
    const head = downsampler.push(utterance.pcm48kStereo);
    const tail = downsampler.flush();
    const pcm = new Int16Array(head.length + tail.length);
    pcm.set(head);
    pcm.set(tail, head.length);
    const user: UserTurn = {
      kind: 'user',
      id: randomUUID(),
      channelId,
      guildId: this.session.guildId,
      speakerId: userId,
      speakerName: this.names.get(userId) ?? 'Someone',
      audio: { format: 'wav', data: encodeWav(pcm, OPENAI_PCM_RATE, 1), durationMs: utterance.durationMs },
      createdAt: Date.now(),
    };
    this.log.debug('utterance', { userId, durationMs: utterance.durationMs, speechMs: utterance.speechMs, reason: utterance.reason, speculative: hold !== undefined });
    const addressed = this.addressedNow;
    let timings: TurnTimings | undefined;
    runTurn(this.ctx, {
      user,
      kind: 'talk',
      spokenAt: utterance.lastSpeechAt,
      session: this.session,
      speak: true,
      hold,
      ...(addressed ? { skipMarker: SKIP_MARKER, instructions: addressedInstructions(this.ctx.client.user?.displayName ?? 'Parley') } : {}),
      onTrack: (track) => (this.answering = track),
      onTimings: (t) => (timings = t),
    })
      .then((result) => {
        if (timings) this.recordLatency(user.speakerName, utterance.lastSpeechAt, timings, hold !== undefined, result.skipped ?? false);
        return forgetOldVoiceAudio(this.ctx, channelId);
      })
      .catch((err: unknown) => {
        if (!(err instanceof TurnWithdrawnError)) this.reportFailure(err, user);
      });
  }

  private recordLatency(speaker: string, spokenAt: number, t: TurnTimings, speculative: boolean, skipped: boolean): void {
    const after = (at: number | undefined) => (at === undefined ? undefined : Math.round(at - spokenAt));
    this.ctx.talk.latency.record(this.session.guildId, {
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
    const channel = this.session.channelId ? this.ctx.client.channels.cache.get(this.session.channelId) : undefined;
    if (!channel?.isSendable()) return;
    await channel.send({ content, allowedMentions: { parse: [] } }).catch((err: Error) => this.log.info('could not post in the voice chat', { err }));
  }
}
