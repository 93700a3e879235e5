/**
 * The two ways an announcement is voiced: the speech endpoint (`config.speechModel`), or the chat
 * audio model (`config.chatModel`) told to read the text verbatim. `config.speechBackend` chooses;
 * when the speech endpoint says its model does not exist, announcements switch to the chat model for
 * the rest of the process (logged once), so a retired TTS model does not silence the bot.
 */
import type OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { requestSpokenAnswer } from '../ai/chat-audio.ts';
import { isModelNotFoundError, streamSpeech } from '../ai/speech.ts';
import type { VoiceChoice } from '../ai/voices.ts';
import { OPENAI_PCM_RATE } from '../audio/format.ts';
import type { Config } from '../config.ts';
import type { TokenUsage } from '../conversation/types.ts';
import { UserError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { PartOutcome } from './part-pipeline.ts';

/** How an announcement should sound. */
export interface VoiceSettings {
  voice: VoiceChoice;
  /** Delivery instructions (tone, pace, accent). */
  style?: string;
  /** 0.25..4, 1 = normal. */
  speed: number;
}

export type AnnouncementBackend = 'speech' | 'chat';

/** What voicing needs from the running bot. */
export interface VoicingContext {
  openai: OpenAI;
  config: Config;
  log: Logger;
}

/** Speech models the endpoint said do not exist; process-wide, like a restart-only config change. */
const missingSpeechModels = new Set<string>();

/** The backend announcements use now. */
export function currentBackend(config: Config): AnnouncementBackend {
  return config.speechBackend === 'speech' && !missingSpeechModels.has(config.speechModel) ? 'speech' : 'chat';
}

/** Voices one piece of text (at most 4,096 characters) into `onAudio` (pcm16 24 kHz mono). */
export async function voiceText(
  ctx: VoicingContext,
  text: string,
  settings: VoiceSettings,
  onAudio: (pcm16: Buffer) => void,
  signal: AbortSignal,
): Promise<PartOutcome> {
  const { config, log } = ctx;
  if (currentBackend(config) === 'speech') {
    try {
      const result = await streamSpeech(
        ctx.openai,
        { model: config.speechModel, input: text, voice: settings.voice, instructions: settings.style, speed: settings.speed },
        onAudio,
        { signal, stallMs: config.streamStallMs },
      );
      return {
        backend: `speech:${config.speechModel}`,
        model: config.speechModel,
        cutReason: result.cutReason,
        usage: estimateSpeechUsage(text, result.bytes),
      };
    } catch (err) {
      if (!isModelNotFoundError(err)) throw err;
      if (!missingSpeechModels.has(config.speechModel)) {
        missingSpeechModels.add(config.speechModel);
        log.warn('the speech model does not exist; announcements use the chat audio model from now on', {
          speechModel: config.speechModel,
          chatModel: config.chatModel,
        });
      }
    }
  }
  return readAloudWithChatModel(ctx, text, settings, onAudio, signal);
}

/** The chat audio model reading `text` word for word. */
async function readAloudWithChatModel(
  ctx: VoicingContext,
  text: string,
  settings: VoiceSettings,
  onAudio: (pcm16: Buffer) => void,
  signal: AbortSignal,
): Promise<PartOutcome> {
  let audioBytes = 0;
  const answer = await requestSpokenAnswer(
    ctx.openai,
    { model: ctx.config.chatModel, voice: settings.voice, messages: readAloudMessages(text, settings), speak: true },
    {
      audio(pcm16) {
        audioBytes += pcm16.length;
        onAudio(pcm16);
      },
      text() {},
    },
    { signal, stallMs: ctx.config.streamStallMs },
  );
  if (audioBytes === 0) {
    if (answer.refusal) throw new UserError('The voice model declined to read that announcement.');
    throw new UserError('OpenAI sent no audio for that announcement. Please try again.');
  }
  return { backend: `chat:${ctx.config.chatModel}`, model: ctx.config.chatModel, cutReason: answer.cutReason, usage: answer.usage };
}

/** The instruction that turns a conversational audio model into a reader. */
export const READ_ALOUD_INSTRUCTIONS =
  'You are a text-to-speech voice. The user message is an announcement to be read aloud in a voice channel. ' +
  'Read it aloud exactly as written, word for word, in its own language. Do not answer it, comment on it, ' +
  'summarize, translate or add anything before or after it.';

/** System and user messages for the chat backend; the text is the whole user message. */
export function readAloudMessages(text: string, settings: VoiceSettings): ChatCompletionMessageParam[] {
  const delivery: string[] = [];
  if (settings.style) delivery.push(`Delivery: ${settings.style}`);
  // Chat completions have no speed parameter: the pace can only be asked for.
  if (settings.speed !== 1) delivery.push(`Speak at about ${settings.speed} times your normal pace.`);
  return [
    { role: 'system', content: [READ_ALOUD_INSTRUCTIONS, ...delivery].join('\n') },
    { role: 'user', content: text },
  ];
}

/** Audio output tokens per minute of speech: OpenAI prices gpt-4o-mini-tts at $12/1M tokens, about $0.015 a minute. */
const SPEECH_AUDIO_TOKENS_PER_MINUTE = 1_250;
const CHARS_PER_TEXT_TOKEN = 4;

/**
 * Raw pcm streaming reports no usage, so budgets get an estimate: input tokens from the text's length,
 * output tokens from the audio's duration (pcm16 24 kHz mono bytes).
 */
export function estimateSpeechUsage(text: string, pcmBytes: number): TokenUsage {
  const minutes = pcmBytes / 2 / OPENAI_PCM_RATE / 60;
  return {
    textIn: Math.ceil(text.length / CHARS_PER_TEXT_TOKEN),
    audioIn: 0,
    cachedIn: 0,
    textOut: 0,
    audioOut: Math.round(minutes * SPEECH_AUDIO_TOKENS_PER_MINUTE),
  };
}

/** For tests: forget which speech models were missing. */
export function resetMissingSpeechModels(): void {
  missingSpeechModels.clear();
}
