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
import type { UserTurn } from '../conversation/types.ts';
import { UserError } from '../discord/errors.ts';
import { runTurn } from '../answers/run-turn.ts';
import type { Logger } from '../log.ts';
import type { VoiceSession } from '../voice/session.ts';
import type { OpusTrack } from '../voice/track.ts';
import { MemberListener } from './member-listener.ts';
import type { Utterance } from './segmenter.ts';
import { forgetOldVoiceAudio } from './transcribe-old-turns.ts';

export class TalkSession {
  /** Listen to every (non-bot) member in the channel, not only those who opted in. */
  everyone = false;
  private readonly listeners = new Map<string, MemberListener>();
  private readonly names = new Map<string, string>();
  private answering: OpusTrack | undefined;
  private admissions: Promise<void> = Promise.resolve();
  private readonly ctx: AppContext;
  private readonly session: VoiceSession;
  private readonly log: Logger;

  constructor(ctx: AppContext, session: VoiceSession) {
    this.ctx = ctx;
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
    const listener = new MemberListener(
      this.session.connection.receiver,
      member.id,
      { silenceMs: this.ctx.config.silenceMs, minSpeechMs: this.ctx.config.minSpeechMs, maxUtteranceMs: this.ctx.config.maxUtteranceMs },
      {
        utterance: (u) => this.onUtterance(member.id, u),
        speech: (ms) => this.onSpeech(ms),
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
    this.listeners.delete(userId);
    return true;
  }

  /** Stops listening to everyone. */
  close(): void {
    for (const userId of [...this.listeners.keys()]) this.forget(userId);
    this.everyone = false;
  }

  private onSpeech(speechMs: number): void {
    const track = this.answering;
    if (!track || track.cancelled || track.playedFrames === 0 || speechMs < this.ctx.config.bargeInMs) return;
    void this.ctx.store.getSettings(this.session.guildId).then(
      (settings) => {
        if (!settings.bargeIn || track.cancelled) return;
        this.log.info('barge-in: stopping the answer', { playedMs: track.playedMs });
        track.cancel();
      },
      (err: unknown) => this.log.warn('barge-in setting unreadable; the answer goes on', { err: err as Error }),
    );
  }

  private onUtterance(userId: string, utterance: Utterance): void {
    const channelId = this.session.channelId;
    if (!channelId) return;
    const user = this.toUserTurn(userId, channelId, utterance);
    this.log.debug('utterance', { userId, durationMs: utterance.durationMs, speechMs: utterance.speechMs, reason: utterance.reason });
    // The budget is read from the store (asynchronously); one chain keeps utterances in the order spoken.
    this.admissions = this.admissions.then(() => this.admit(user, utterance.lastSpeechAt));
  }

  private async admit(user: UserTurn, spokenAt: number): Promise<void> {
    let overBudget: UserError | undefined;
    try {
      overBudget = await this.ctx.costs.budgetRefusal(this.session.guildId);
    } catch (err) {
      return this.reportFailure(err, user);
    }
    if (overBudget) {
      if (this.listeners.size === 0) return;
      // Out of budget mid-conversation: stop listening cleanly rather than refuse every sentence.
      this.close();
      void this.say(`${overBudget.message} I stopped listening.`);
      return;
    }
    const channelId = user.channelId;
    runTurn(this.ctx, {
      user,
      kind: 'talk',
      spokenAt,
      session: this.session,
      speak: true,
      onTrack: (track) => (this.answering = track),
    })
      .then(() => forgetOldVoiceAudio(this.ctx, channelId))
      .catch((err: unknown) => this.reportFailure(err, user));
  }

  private toUserTurn(userId: string, channelId: string, utterance: Utterance): UserTurn {
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
    return user;
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
