/**
 * One exchange in a channel's conversation: build the request from the stored history, stream the
 * answer (spoken into the voice session as it arrives, and/or collected), then store the user turn and
 * the answer together, as complete or as interrupted with what was heard. Turns in one channel run one
 * at a time.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../app-context.ts';
import { requestSpokenAnswer, type SpokenAnswer } from '../ai/chat-audio.ts';
import { toUserError } from '../ai/errors.ts';
import { openaiErrorKind } from '../ops/error-kind.ts';
import { isAssistantAudioNotFoundError, planMessages, withTextInsteadOfAudioIds, type InputTokenEstimate } from '../conversation/history.ts';
import { QueueFullError } from '../conversation/serialize.ts';
import type { AssistantTurn, TokenUsage, UserTurn } from '../conversation/types.ts';
import { TurnWithdrawnError, UserError } from '../errors.ts';
import type { VoiceSession } from '../voice/session.ts';
import { SpeechTrackWriter } from '../voice/speech-track.ts';
import { heldAndUnheard, heldTrackReply, type OpusTrack } from '../voice/track.ts';
import { heardPart } from './heard.ts';
import { estimateCostUsd } from '../cost/prices.ts';
import { answerUsage } from '../cost/estimate-usage.ts';
import { durationMs, OPENAI_PCM_RATE } from '../audio/format.ts';
import { AnswerGate } from './answer-gate.ts';
import { storeSkipped } from './skipped-turn.ts';
import type { TurnTimings } from './turn-timings.ts';

export interface TurnRequest {
  user: UserTurn;
  /** What started the turn, for metrics (default 'ask'). */
  kind?: 'ask' | 'talk';
  /** performance.now() of the member's last speech, for the end-of-turn latency. */
  spokenAt?: number;
  /** Speak the answer into this session's channel while it streams. */
  session?: VoiceSession;
  /** Ask for audio at all (false: text-only answer). */
  speak: boolean;
  /** Keep the answer's pcm16 (24 kHz mono), e.g. for a voice message. */
  collectAudio?: boolean;
  /** Called with the whole text so far whenever it grows. */
  onText?: (text: string) => void;
  /** Called once the answer starts playing in voice, with its track (barge-in, figures). */
  onTrack?: (track: OpusTrack) => void;
  signal?: AbortSignal;
  /**
   * Speculative start: the answer streams but stays unplayed until this resolves true (the turn is
   * confirmed); false withdraws it: the request is aborted, nothing is played or stored, and the call
   * rejects with {@link TurnWithdrawnError}.
   */
  hold?: Promise<boolean>;
  /** Addressed mode: an answer whose transcript starts with this marker is not played (stored as context). */
  skipMarker?: string;
  /** Added to the persona for this request only. */
  instructions?: string;
  /** When the answer's stages happened (performance.now()), once it has been played or skipped. */
  onTimings?: (timings: TurnTimings) => void;
}

export interface TurnResult {
  /** Everything the model said (transcript of the audio, or the text answer). */
  text: string;
  refusal?: string;
  status: 'complete' | 'interrupted';
  /** Why an answer is interrupted: the stream broke, or it was stopped while playing. */
  cutReason?: string;
  /** The collected pcm16 bytes when `collectAudio` was set. */
  audio?: Buffer;
  /** The model declined with the skip marker: nothing was played. */
  skipped?: boolean;
}

/** Runs the exchange after the ones already queued for the same channel. */
export async function runTurn(ctx: AppContext, request: TurnRequest): Promise<TurnResult> {
  try {
    return await ctx.turns.run(request.user.channelId, () => runTurnNow(ctx, request));
  } catch (err) {
    if (err instanceof QueueFullError) throw new UserError('Too many questions are waiting in this channel. Please try again in a moment.');
    throw err;
  }
}

async function runTurnNow(ctx: AppContext, request: TurnRequest): Promise<TurnResult> {
  const { store, config, openai } = ctx;
  const { user } = request;
  const log = ctx.log.child({ turnId: user.id, conversation: user.channelId });
  const kind = request.kind ?? 'ask';
  // A speculative start becomes a turn only once confirmed.
  if (request.hold) void request.hold.then((confirmed) => confirmed && ctx.metrics.turnStarted(kind));
  else ctx.metrics.turnStarted(kind);
  const settings = await store.getSettings(user.guildId);
  const history = await store.history(user.channelId);
  let inputTokens: InputTokenEstimate = { text: 0, audio: 0 };
  const build = () => {
    const plan = planMessages({
      persona: [settings.persona ?? config.persona, request.instructions].filter(Boolean).join('\n\n'),
      turns: history,
      nowUnixS: Math.floor(Date.now() / 1000),
      tokenBudget: config.historyTokenBudget,
      current: user,
    });
    inputTokens = plan.inputTokens;
    return plan.messages;
  };

  // Playback stopped, the caller's signal, or shutdown: any of them ends the request. AbortSignal.any
  // does not keep a listener on the long-lived shutdown signal per turn.
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, ctx.shutdown, ...(request.signal ? [request.signal] : [])]);
  const writer = request.session && request.speak ? new SpeechTrackWriter() : undefined;
  const session = request.session;
  // The gate holds the collected audio above the pacer until the answer may play.
  const gate =
    writer && session
      ? new AnswerGate({
          hold: request.hold,
          skipMarker: request.skipMarker,
          onOpen: () => {
            session.pacer.enqueue(writer.track);
            request.onTrack?.(writer.track);
          },
          onWithdraw: () => {
            writer.track.cancel();
            stop.abort(new TurnWithdrawnError('the member went on speaking'));
          },
        })
      : undefined;
  // Stopped while playing (barge-in, /leave): stop generating too.
  void writer?.track.done.then((outcome) => outcome === 'cancelled' && !gate?.skipped && stop.abort(new Error('playback stopped')));
  const collected: Buffer[] = [];
  let text = '';
  let audioBytes = 0;
  // Usage can arrive before the answer is stopped; it is billed either way.
  let reportedUsage: TokenUsage | undefined;
  let accepted = false;
  let firstModelAudioAt: number | undefined;
  const sink = {
    audio(pcm: Buffer) {
      audioBytes += pcm.length;
      firstModelAudioAt ??= performance.now();
      if (!gate?.skipped) writer?.write(pcm);
      if (request.collectAudio) collected.push(pcm);
    },
    text(delta: string) {
      text += delta;
      gate?.text(text);
      request.onText?.(text);
    },
    usage(tokens: TokenUsage) {
      reportedUsage = tokens;
    },
    accepted() {
      accepted = true;
    },
  };
  const spend = (reported = reportedUsage) => {
    const usage = answerUsage(reported, inputTokens, { audioMs: durationMs(audioBytes / 2, OPENAI_PCM_RATE, 1), text, accepted });
    const costUsd = usage ? estimateCostUsd(config.chatModel, usage.tokens, config.prices) : 0;
    return usage && { model: config.chatModel, userId: user.speakerId, costUsd, ...usage };
  };
  const ask = (messages: ReturnType<typeof build>) =>
    requestSpokenAnswer(
      openai,
      { model: config.chatModel, voice: settings.voice ?? config.voice, messages, speak: request.speak },
      sink,
      { signal, stallMs: config.streamStallMs },
    );

  // The voice call never let the answer out (encryption not set up, or still reconnecting): nobody
  // heard it, so only the spend is recorded, and the member is told why.
  const heldUnheard = async (track: OpusTrack, reported = reportedUsage): Promise<UserError> => {
    const usage = spend(reported);
    if (usage) await store.recordUsage({ ...usage, guildId: user.guildId, channelId: user.channelId });
    ctx.metrics.turnFinished(kind, 'failed');
    return new UserError(heldTrackReply(track.failure!));
  };

  // A withdrawn speculative start stores nothing of the exchange, but what the API accepted is billed.
  const withdrawn = async (): Promise<never> => {
    const usage = spend();
    if (usage) await store.recordUsage({ ...usage, guildId: user.guildId, channelId: user.channelId });
    throw new TurnWithdrawnError('the member went on speaking');
  };

  let answer: SpokenAnswer;
  const requestAt = performance.now();
  if (request.spokenAt !== undefined) ctx.metrics.endOfTurnMs(requestAt - request.spokenAt);
  try {
    try {
      answer = await ask(build());
    } catch (err) {
      if (!isAssistantAudioNotFoundError(err) || text !== '') throw err;
      log.info('an earlier answer audio expired early; retrying with transcripts');
      answer = await ask(withTextInsteadOfAudioIds(build(), history));
    }
  } catch (err) {
    if (gate?.withdrawn) await withdrawn();
    if (ctx.shutdown.aborted) {
      // Shutting down: the exchange is stored as interrupted with what arrived, never half-written.
      writer?.track.cancel();
      answer = { text, complete: false, cutReason: 'the bot was shutting down' };
    } else if (writer && heldAndUnheard(writer.track)) {
      throw await heldUnheard(writer.track);
    } else if (writer?.track.cancelled && text !== '') {
      answer = { text, complete: false, cutReason: 'stopped while speaking' };
    } else if (writer?.track.cancelled) {
      // Stopped (left the channel, kicked) before the answer began: nothing was heard, nothing stored but spend.
      const usage = spend();
      if (usage) await store.recordUsage({ ...usage, guildId: user.guildId, channelId: user.channelId });
      ctx.metrics.turnFinished(kind, 'interrupted');
      throw new UserError('I stopped before answering: I left the voice channel.');
    } else {
      writer?.track.cancel();
      ctx.metrics.error(openaiErrorKind(err));
      ctx.metrics.turnFinished(kind, 'failed');
      throw toUserError(err, log);
    }
  }

  writer?.end();
  gate?.finished();
  if (gate?.skipped) {
    writer?.track.cancel();
    await storeSkipped(ctx, { user, kind, marker: request.skipMarker ?? '' }, answer, spend(answer.usage ?? reportedUsage));
    request.onTimings?.({ requestAt, firstModelAudioAt });
    return { text: answer.text, status: 'complete', skipped: true };
  }
  const outcome = writer ? await writer.track.done : 'played';
  if (gate?.withdrawn) await withdrawn();
  if (writer && heldAndUnheard(writer.track)) throw await heldUnheard(writer.track, answer.usage);
  if (writer?.track.firstPlayedAt !== undefined) ctx.metrics.firstAudioMs(writer.track.firstPlayedAt - requestAt);
  request.onTimings?.({ requestAt, firstModelAudioAt, firstPlayedAt: writer?.track.firstPlayedAt });
  const stoppedEarly = outcome === 'cancelled';
  const cutReason = answer.cutReason ?? (stoppedEarly ? 'stopped while speaking' : undefined);
  const status = cutReason ? 'interrupted' : 'complete';
  const heard =
    stoppedEarly && writer
      ? heardPart(answer.text, writer.track.playedMs, { receivedMs: writer.receivedMs, complete: answer.complete })
      : answer.text;
  const assistant: AssistantTurn = {
    kind: 'assistant',
    id: randomUUID(),
    channelId: user.channelId,
    guildId: user.guildId,
    transcript: answer.refusal && !heard ? answer.refusal : heard,
    // Only a whole answer may be referenced by audio id: the model would otherwise "remember" unheard words.
    ...(status === 'complete' && answer.audioId ? { audioId: answer.audioId, audioExpiresAt: answer.audioExpiresAt } : {}),
    status,
    createdAt: Date.now(),
  };
  const usage = spend(answer.usage ?? reportedUsage);
  await store.appendExchange(user, assistant, usage);
  ctx.metrics.turnFinished(kind, status);
  log.info('turn stored', { status, cutReason, chars: answer.text.length, heardChars: heard.length, usageEstimated: usage?.estimated });
  return {
    text: answer.text,
    refusal: answer.refusal,
    status,
    cutReason,
    audio: request.collectAudio ? Buffer.concat(collected) : undefined,
  };
}
