/**
 * Announced shutdown dates of OpenAI models Parley may be configured with, so an operator hears about
 * a retirement before it silences a feature, and which setting names each configured model.
 */
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';

/** One announced shutdown. */
export interface ModelShutdown {
  /** Model names (snapshots included) that stop working on `date`. */
  models: readonly string[];
  /** UTC day, YYYY-MM-DD. */
  date: string;
  /** What OpenAI names as the replacement. */
  replacement: string;
  /** Where the date comes from. */
  source: string;
  /** The date is reported by a third party only. */
  unconfirmed?: boolean;
}

export const MODEL_SHUTDOWNS: readonly ModelShutdown[] = [
  {
    models: ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts', 'gpt-4o-mini-tts-2025-03-20', 'gpt-4o-mini-tts-2025-12-15'],
    date: '2027-01-06',
    replacement: 'gpt-realtime-2.1-mini through the Realtime API (PARLEY_SPEECH_BACKEND=realtime)',
    source: 'openai SDK 7.55 src/resources/audio/speech.ts (SpeechModel deprecation note); https://developers.openai.com/api/docs/deprecations',
  },
  {
    models: ['gpt-audio-mini', 'gpt-audio-mini-2025-10-06', 'gpt-audio-mini-2025-12-15'],
    date: '2027-01-20',
    replacement: 'gpt-audio-1.5',
    source: 'openai SDK 7.55 src/resources/shared.ts (ChatModel deprecation note)',
  },
  {
    models: ['gpt-realtime', 'gpt-realtime-2025-08-28', 'gpt-realtime-mini', 'gpt-realtime-mini-2025-10-06', 'gpt-realtime-mini-2025-12-15'],
    date: '2027-01-20',
    replacement: 'gpt-realtime-2.1 or gpt-realtime-2.1-mini',
    source: 'https://developers.openai.com/api/docs/deprecations (gpt-realtime family, checked 2026-12-03)',
  },
  {
    models: ['gpt-audio', 'gpt-audio-2025-08-28'],
    date: '2027-01-20',
    replacement: 'gpt-audio-1.5',
    source: 'a third-party retirement notice; OpenAI has not announced a date (checked 2026-12-03)',
    unconfirmed: true,
  },
  {
    models: ['whisper-1', 'gpt-4o-transcribe', 'gpt-4o-mini-transcribe', 'gpt-4o-mini-transcribe-2025-12-15', 'gpt-4o-transcribe-diarize'],
    date: '2027-02-26',
    replacement: 'gpt-transcribe',
    source: 'openai SDK 7.55 src/resources/audio/audio.ts (AudioModel deprecation note)',
  },
];

/** Warn this long before a configured model's shutdown. */
export const SHUTDOWN_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

/** The setting that names each model in use, with its value. */
export function configuredModels(config: Config): { setting: string; model: string }[] {
  const models = [
    { setting: 'PARLEY_CHAT_MODEL', model: config.chatModel },
    { setting: 'PARLEY_REALTIME_MODEL', model: config.realtimeModel },
    { setting: 'PARLEY_SPEECH_MODEL', model: config.speechModel },
    { setting: 'PARLEY_TRANSCRIBE_MODEL', model: config.transcribeModel },
  ];
  return models.filter((m) => m.model !== '');
}

/** The announced shutdown of `model`, if any. */
export function shutdownOf(model: string): ModelShutdown | undefined {
  return MODEL_SHUTDOWNS.find((row) => row.models.includes(model));
}

/** Configured models that shut down within {@link SHUTDOWN_WARNING_DAYS} of `nowMs` (or already have). */
export function upcomingShutdowns(config: Config, nowMs: number): { setting: string; model: string; shutdown: ModelShutdown; daysLeft: number }[] {
  const found = [];
  for (const { setting, model } of configuredModels(config)) {
    const shutdown = shutdownOf(model);
    if (!shutdown) continue;
    const daysLeft = Math.ceil((Date.parse(`${shutdown.date}T00:00:00Z`) - nowMs) / DAY_MS);
    if (daysLeft <= SHUTDOWN_WARNING_DAYS) found.push({ setting, model, shutdown, daysLeft });
  }
  return found;
}

/** Logs one warning per configured model whose shutdown is near; called at start-up. */
export function warnAboutShutdowns(config: Config, log: Logger, nowMs = Date.now()): void {
  for (const { setting, model, shutdown, daysLeft } of upcomingShutdowns(config, nowMs)) {
    const when = daysLeft > 0 ? `shuts down on ${shutdown.date}, in ${daysLeft} days` : `was shut down on ${shutdown.date}`;
    log.warn(`${setting}=${model} ${when}${shutdown.unconfirmed ? ' (unconfirmed)' : ''}: change it to ${shutdown.replacement}`, {
      setting,
      model,
      shutdownDate: shutdown.date,
      source: shutdown.source,
    });
  }
}
