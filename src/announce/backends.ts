/**
 * The three ways an announcement is voiced, behind one signature: a Realtime session reading the
 * text, the chat audio model reading it, the speech endpoint. Which come after the configured one,
 * and the setting that names each one's model, are decided here too.
 */
import type OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { requestSpokenAnswer } from '../ai/chat-audio.ts';
import { streamRealtimeSpeech } from '../ai/realtime-speech.ts';
import { streamSpeech } from '../ai/speech.ts';
import type { VoiceChoice } from '../ai/voices.ts';
import { OPENAI_PCM_RATE } from '../audio/format.ts';
import { SPEECH_BACKENDS, type Config, type SpeechBackend } from '../config.ts';
import type { TokenUsage } from '../conversation/types.ts';
import { UserError } from '../discord/errors.ts';

/** How an announcement should sound. */
export interface VoiceSettings {
  voice: VoiceChoice;
  /** Delivery instructions (tone, pace, accent). */
  style?: string;
  /** 0.25..4, 1 = normal. */
  speed: number;
}

/** Where one attempt's output goes. */
export interface AttemptSink {
  audio(pcm16: Buffer): void;
  /** Output transcript deltas; backends without a transcript never call it. */
  transcript(delta: string): void;
  /** What a reading stopped part-way cost, where the backend reports it. */
  cancelledUsage(usage: TokenUsage): void;
}

/** What one attempt produced. */
export interface AttemptResult {
  cutReason?: string;
  /** What was said about the break, for the log. */
  cutDetail?: string;
  usage?: TokenUsage;
  /** The model's own transcript; undefined for the speech endpoint, which reads text as given. */
  transcript?: string;
}

export interface BackendContext {
  openai: OpenAI;
  config: Config;
}

/** One backend, ready to voice a text. */
export interface Backend {
  kind: SpeechBackend;
  model: string;
  /** The environment variable that names `model`. */
  setting: string;
  /** Whether its output can be checked against the text (it reports a transcript). */
  checked: boolean;
  voice(text: string, settings: VoiceSettings, sink: AttemptSink, signal: AbortSignal): Promise<AttemptResult>;
}

/** The configured backend first, then the others in the order realtime -> chat -> speech, wrapping around. */
export function backendOrder(first: SpeechBackend): SpeechBackend[] {
  const start = SPEECH_BACKENDS.indexOf(first);
  return SPEECH_BACKENDS.map((_, i) => SPEECH_BACKENDS[(start + i) % SPEECH_BACKENDS.length]!);
}

export function createBackend(ctx: BackendContext, kind: SpeechBackend): Backend {
  const { config, openai } = ctx;
  const stallMs = config.streamStallMs;
  switch (kind) {
    case 'realtime':
      return {
        kind,
        model: config.realtimeModel,
        setting: 'PARLEY_REALTIME_MODEL',
        checked: true,
        voice: (text, settings, sink, signal) =>
          streamRealtimeSpeech(openai, { model: config.realtimeModel, text, ...settings }, sink, { signal, stallMs }),
      };
    case 'chat':
      return {
        kind,
        model: config.chatModel,
        setting: 'PARLEY_CHAT_MODEL',
        checked: true,
        async voice(text, settings, sink, signal) {
          let audioBytes = 0;
          const answer = await requestSpokenAnswer(
            openai,
            { model: config.chatModel, voice: settings.voice, messages: readAloudMessages(text, settings), speak: true },
            {
              audio(pcm16) {
                audioBytes += pcm16.length;
                sink.audio(pcm16);
              },
              text: (delta) => sink.transcript(delta),
            },
            { signal, stallMs },
          );
          if (audioBytes === 0) {
            if (answer.refusal) throw new UserError('The voice model declined to read that announcement.');
            throw new UserError('OpenAI sent no audio for that announcement. Please try again.');
          }
          return { cutReason: answer.cutReason, usage: answer.usage, transcript: answer.text };
        },
      };
    case 'speech':
      return {
        kind,
        model: config.speechModel,
        setting: 'PARLEY_SPEECH_MODEL',
        checked: false,
        async voice(text, settings, sink, signal) {
          const result = await streamSpeech(
            openai,
            { model: config.speechModel, input: text, voice: settings.voice, instructions: settings.style, speed: settings.speed },
            (pcm16) => sink.audio(pcm16),
            { signal, stallMs },
          );
          return { cutReason: result.cutReason, usage: estimateSpeechUsage(text, result.bytes) };
        },
      };
  }
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
