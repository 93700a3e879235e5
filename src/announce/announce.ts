/**
 * One announcement, start to finish: voice the text (split into parts the speech endpoint takes),
 * get the bot into the channel once the first audio is there, play it at announcement priority (a
 * conversation answer pauses and resumes after), go back, record it. Announcements of a guild play one
 * after another, in the order they were made.
 */
import type { VoiceBasedChannel } from 'discord.js';
import type { AppContext } from '../app-context.ts';
import { StreamStalledError, toUserError } from '../ai/errors.ts';
import { RealtimeSpeechError } from '../ai/realtime-speech.ts';
import { SPEECH_INPUT_MAX_CHARS } from '../ai/speech.ts';
import { QueueFullError } from '../conversation/serialize.ts';
import { UserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { SpeechTrackWriter } from '../voice/speech-track.ts';
import { PRIORITY_ANNOUNCEMENT } from '../voice/track.ts';
import { voiceInOrder, type PipelineResult } from './part-pipeline.ts';
import { placeInChannel } from './placement.ts';
import { postAnnouncementText } from './post-text.ts';
import { splitText } from './split-text.ts';
import { billedPart } from './billing.ts';
import type { VoiceSettings } from './voicing.ts';


export interface AnnouncementRequest {
  channel: VoiceBasedChannel;
  /** The moderator who made it. */
  userId: string;
  text: string;
  settings: VoiceSettings;
  /** Also post the text in the channel's chat. */
  post: boolean;
  /** Called when the announcement has to wait behind `ahead` others. */
  onQueued?: (ahead: number) => void;
  /** Called once, when its audio starts going to the channel. */
  onStart?: (parts: number) => void;
}

export interface AnnouncementResult {
  parts: number;
  completeParts: number;
  /** Milliseconds of audio played into the channel. */
  playedMs: number;
  /** The backend(s) that voiced it, e.g. "speech:gpt-4o-mini-tts". */
  backend: string;
  /** Set when the audio ended early: OpenAI's stream broke, or a later part failed. */
  cutReason?: string;
  /** What went wrong with the part that failed, fit for the moderator. */
  failure?: string;
  /** Stopped while playing (the bot left voice, or was moved away). */
  stopped: boolean;
  /** A note when post:true could not post the text. */
  postProblem?: string;
}

/** Audio being fetched for one announcement, into its own (not yet queued) track. */
interface Voicing {
  parts: number;
  writer: SpeechTrackWriter;
  pipeline: Promise<PipelineResult>;
  /** Resolves at the first audio; rejects (with a UserError where possible) when none will come. */
  ready: Promise<void>;
  cancel(reason: unknown): void;
}

/**
 * Plays the announcement after those already queued for the guild. Its audio is fetched at once, even
 * while it waits, so queued announcements follow each other without a pause; a failure before any
 * audio is reported at once too.
 */
export async function announce(ctx: AppContext, request: AnnouncementRequest): Promise<AnnouncementResult> {
  const queue = ctx.announcements;
  const guildId = request.channel.guild.id;
  const ahead = queue.pending(guildId);
  if (ahead > queue.maxQueued) throw new UserError('Too many announcements are waiting. Please try again in a moment.');
  const log = ctx.log.child({ announcement: true, channelId: request.channel.id });
  const voicing = startVoicing(ctx, request, log);
  if (ahead > 0) request.onQueued?.(ahead);
  const turn = queue.run(guildId, () => playAnnouncement(ctx, request, voicing, log, () => queue.pending(guildId) > 1));
  turn.catch(() => undefined); // awaited below, unless an early failure was reported first
  try {
    await Promise.race([voicing.ready, turn]);
    return await turn;
  } catch (err) {
    voicing.cancel(err);
    if (err instanceof QueueFullError) throw new UserError('Too many announcements are waiting. Please try again in a moment.');
    throw err;
  }
}

function startVoicing(ctx: AppContext, request: AnnouncementRequest, log: Logger): Voicing {
  const parts = splitText(request.text, SPEECH_INPUT_MAX_CHARS);
  const writer = new SpeechTrackWriter(PRIORITY_ANNOUNCEMENT);
  const stop = new AbortController();
  // Shutting down stops the fetching; the voice sessions going away stop the playing.
  const onShutdown = () => stop.abort(ctx.shutdown.reason);
  if (ctx.shutdown.aborted) onShutdown();
  else ctx.shutdown.addEventListener('abort', onShutdown, { once: true });
  let firstAudio!: () => void;
  let pipeline!: Promise<PipelineResult>;
  const ready = new Promise<void>((resolve, reject) => {
    firstAudio = resolve;
    pipeline = voiceInOrder(
      parts.length,
      billedPart(ctx, parts, request.settings, { guildId: request.channel.guild.id, channelId: request.channel.id, userId: request.userId }),
      (pcm16) => writer.write(pcm16),
      { signal: stop.signal, onFirstAudio: () => firstAudio() },
    );
    void pipeline.finally(() => ctx.shutdown.removeEventListener('abort', onShutdown)).catch(() => undefined);
    pipeline.then(
      () => (writer.receivedMs > 0 ? resolve() : reject(new UserError('OpenAI sent no audio for that announcement. Please try again.'))),
      (err: unknown) => reject(toAnnouncementError(err, log)),
    );
  });
  ready.catch(() => undefined);
  return {
    parts: parts.length,
    writer,
    pipeline,
    ready,
    cancel(reason) {
      stop.abort(reason);
      writer.track.cancel();
    },
  };
}

async function playAnnouncement(
  ctx: AppContext,
  request: AnnouncementRequest,
  voicing: Voicing,
  log: Logger,
  moreQueued: () => boolean,
): Promise<AnnouncementResult> {
  const { channel } = request;
  const { writer } = voicing;
  // Join only once there is something to say: a failing request leaves voice untouched.
  await voicing.ready;
  let placement;
  try {
    placement = await placeInChannel(ctx, channel, log);
  } catch (err) {
    voicing.cancel(err);
    throw err;
  }
  void writer.track.done.then((outcome) => outcome === 'cancelled' && voicing.cancel(new Error('playback stopped')));
  placement.play(writer.track);
  const posting = request.post ? postAnnouncementText(channel, request.text, request.userId, log) : Promise.resolve(undefined);
  request.onStart?.(voicing.parts);
  log.info('announcement playing', { parts: voicing.parts, chars: request.text.length });

  let result: PipelineResult | undefined;
  try {
    result = await voicing.pipeline;
  } catch (err) {
    if (!writer.track.cancelled) log.warn('announcement audio failed', { err: err as Error });
  }
  writer.end();
  const outcome = await writer.track.done;
  await placement.release({ keepForNext: moreQueued() });
  const postProblem = await posting;

  const backend = [...new Set(result?.outcomes.map((o) => o.backend) ?? [])].join('+') || 'unknown';
  const cutReason = result?.cutReason ?? (outcome === 'cancelled' || !result ? 'playback stopped' : undefined);
  const deviations = result?.outcomes.flatMap((o) => o.deviations ?? []) ?? [];
  if (writer.track.playedFrames > 0) {
    await ctx.store.recordAnnouncement({
      guildId: channel.guild.id,
      channelId: channel.id,
      userId: request.userId,
      text: request.text,
      backend,
      createdAt: Date.now(),
      playedMs: writer.track.playedMs,
      cutReason,
      deviations,
    });
  }
  const failure = result?.error === undefined ? undefined : describeFailure(toAnnouncementError(result.error, log));
  log.info('announcement done', { outcome, playedMs: writer.track.playedMs, backend, cutReason });
  return {
    parts: voicing.parts,
    completeParts: result?.completeParts ?? 0,
    playedMs: writer.track.playedMs,
    backend,
    cutReason,
    failure,
    stopped: outcome === 'cancelled',
    postProblem,
  };
}

/** Like toUserError, worded for speech rather than an answer where it differs. */
export function toAnnouncementError(err: unknown, log: Logger): Error {
  if (err instanceof StreamStalledError) {
    log.warn('openai speech stream stalled');
    return new UserError('OpenAI stopped sending the speech. Please try again.');
  }
  if (err instanceof RealtimeSpeechError) {
    if (err.rateLimited) {
      const wait = err.retryAfterSeconds ?? 20;
      log.warn('openai realtime rate limited', { retryAfterSeconds: err.retryAfterSeconds });
      return new UserError(`I'm being rate-limited by OpenAI. Please try the announcement again in ${wait === 1 ? 'a second' : `${wait} seconds`}.`);
    }
    if (err.code === 'invalid_api_key') {
      log.error('openai rejected the API key for the Realtime session: check OPENAI_API_KEY', { message: err.message });
      return new UserError("I'm misconfigured and can't reach my voice service. A server admin should check the bot's logs.");
    }
    log.warn('openai realtime reading failed', { code: err.code, message: err.message });
    if (err.code === 'connection_closed' || err.code === 'connection_failed') {
      return new UserError('The connection to OpenAI closed before the announcement was read. Please try again.');
    }
    return new UserError('OpenAI could not read that announcement. Please try again in a minute.');
  }
  return toUserError(err, log);
}

function describeFailure(err: Error): string {
  return err instanceof UserError ? err.message : 'Something went wrong on my side.';
}
