/**
 * Configuration: read from an environment object once at start-up and validated as a whole, so a
 * misconfigured bot fails fast with one message that names every problem (never a secret's value).
 */

export interface Config {
  discordToken: string;
  discordClientId: string;
  /** Register commands in this guild only (instant, for development). */
  discordGuildId?: string;
  /** REST base URL, e.g. a rate-limit proxy; undefined = Discord's own. */
  discordApiBase?: string;
  openaiApiKey: string;
  /** Any OpenAI-compatible endpoint; undefined = api.openai.com. */
  openaiBaseUrl?: string;
  dataDir: string;
  /** `postgres://...`: a PostgreSQL store shared by several processes; undefined = SQLite in `dataDir`. */
  databaseUrl?: string;
  /** Gateway shards: `off` = one process (no sharding manager), `auto` = Discord's recommendation, or a count. */
  shards: 'off' | 'auto' | number;
  /** Shard ids this machine runs (several machines split the shards); undefined = all of them. */
  shardList?: number[];
  chatModel: string;
  speechModel: string;
  /**
   * How announcements are voiced first: a Realtime session reading the text, the chat audio model
   * reading verbatim, or the speech endpoint; the others follow as fallbacks (see announce/backends.ts).
   */
  speechBackend: SpeechBackend;
  /** Model of the Realtime backend for announcements. */
  realtimeModel: string;
  /** Model that turns older spoken turns into text; empty = keep them as audio. */
  transcribeModel: string;
  /** Default voice for spoken answers; servers can override it with /settings voice. */
  voice: string;
  /** Default persona (system prompt); servers can override it with /settings persona. */
  persona: string;
  /** Longest /ask prompt accepted, in characters. */
  promptMaxChars: number;
  /** Oldest turns are dropped from requests beyond this estimated token count. */
  historyTokenBudget: number;
  /** A streamed answer that sends nothing for this long is abandoned. */
  streamStallMs: number;
  /** Silence that ends a spoken turn. */
  silenceMs: number;
  /** Utterances with less speech than this are ignored. */
  minSpeechMs: number;
  /** Longer utterances are cut and sent. */
  maxUtteranceMs: number;
  /**
   * Silence after which a spoken turn's answer is requested speculatively (held until `silenceMs`
   * confirms the turn, dropped if the member speaks again); 0 = off.
   */
  earlyStartMs: number;
  /** Leave a voice channel after being alone there this long; 0 = never. */
  aloneLeaveMs: number;
  /** Leave a voice channel after this long without speech or answers; 0 = never. */
  idleLeaveMs: number;
  /** Speech over Parley's answer for this long stops the answer (when the server allows barge-in). */
  bargeInMs: number;
  /** The newest this-many spoken turns of a channel stay audio; older ones become text. */
  audioTurnsKept: number;
  /** Spoken turns waiting per channel; more are dropped (and said so). */
  turnQueueLimit: number;
  /** Seconds a member waits between questions (/ask, Ask Parley); 0 = no cooldown. */
  cooldownSeconds: number;
  /** Estimated dollars a server may spend per UTC day; 0 = no limit. */
  dailyBudgetUsd: number;
  /** Dollars per 1M tokens by model and kind. */
  prices: PriceTable;
  /** Largest audio file accepted (attachments, voice messages), in bytes. */
  audioMaxBytes: number;
  /** Longest audio file accepted, in milliseconds. */
  audioMaxDurationMs: number;
  /** Longest an audio file's download may take, in milliseconds. */
  audioDownloadTimeoutMs: number;
  /** Port of the /metrics and /healthz endpoint; undefined = off. */
  metricsPort?: number;
  metricsHost: string;
  logLevel: LogLevel;
}

import { parsePriceTable, type PriceTable } from './cost/prices.ts';

/** The ways an announcement can be voiced (PARLEY_SPEECH_BACKEND). */
export type SpeechBackend = 'realtime' | 'chat' | 'speech';
export const SPEECH_BACKENDS: readonly SpeechBackend[] = ['realtime', 'chat', 'speech'];

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export const DEFAULT_PERSONA =
  'You are Parley, a friendly voice assistant in a Discord server. Answer briefly and conversationally; ' +
  'your answers are spoken aloud. Several people may talk to you; their names precede what they say.';

/**
 * Default early start, from the benchmark (figure 7, 600 ms silence window, 500 ms model): 50 ms keeps the
 * first audible packet within the window + 50 ms (609-634 ms over three runs); 100 ms came to 637-656 ms
 * and 200 ms to 723-761 ms, while 100 ms wasted no fewer starts (47-50%) on a conversation with
 * mid-sentence pauses and 200 ms only somewhat fewer (30-43%).
 */
export const DEFAULT_EARLY_START_MS = 50;

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

const WHERE_DISCORD = 'from the Discord Developer Portal (https://discord.com/developers/applications)';
const WHERE_OPENAI = 'from https://platform.openai.com/api-keys';
const SNOWFLAKE = /^\d{17,20}$/;

/** Parses and validates `env`; collects every problem instead of stopping at the first. */
export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const required = (name: string, where: string): string => {
    const value = read(name);
    if (value === undefined) problems.push(`${name} is missing: get it ${where}.`);
    return value ?? '';
  };
  const snowflake = (name: string, value: string | undefined, where: string): void => {
    if (value !== undefined && value !== '' && !SNOWFLAKE.test(value)) {
      problems.push(`${name} must be a Discord id (17-20 digits): copy it ${where}.`);
    }
  };
  const url = (name: string): string | undefined => {
    const value = read(name);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
    } catch {
      problems.push(`${name} must be an http(s) URL.`);
    }
    return value.replace(/\/+$/, '');
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const value = read(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}.`);
      return fallback;
    }
    return parsed;
  };

  const decimal = (name: string, fallback: number, min: number, max: number): number => {
    const value = read(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      problems.push(`${name} must be a number from ${min} to ${max}.`);
      return fallback;
    }
    return parsed;
  };

  const discordToken = required('DISCORD_TOKEN', `${WHERE_DISCORD} > Bot > Reset Token`);
  if (discordToken.includes(' ')) problems.push('DISCORD_TOKEN must be the bare token, without "Bot " or spaces.');
  const discordClientId = required('DISCORD_CLIENT_ID', `${WHERE_DISCORD} > General Information > Application ID`);
  snowflake('DISCORD_CLIENT_ID', discordClientId, WHERE_DISCORD);
  const discordGuildId = read('DISCORD_GUILD_ID');
  snowflake('DISCORD_GUILD_ID', discordGuildId, 'in Discord (Developer Mode, right-click the server > Copy Server ID)');
  const openaiApiKey = required('OPENAI_API_KEY', WHERE_OPENAI);

  const prices = parsePriceTable(read('PARLEY_PRICES'));
  if ('problem' in prices) problems.push(prices.problem);
  const speechBackend = (read('PARLEY_SPEECH_BACKEND') ?? 'realtime').toLowerCase();
  if (!SPEECH_BACKENDS.includes(speechBackend as SpeechBackend)) problems.push(`PARLEY_SPEECH_BACKEND must be one of ${SPEECH_BACKENDS.join(', ')}.`);
  const transcribeModel = read('PARLEY_TRANSCRIBE_MODEL') ?? 'gpt-transcribe';
  const databaseUrl = read('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL.');
  const shards = parseShards(read('PARLEY_SHARDS'), problems);
  const shardList = parseShardList(read('PARLEY_SHARD_LIST'), shards, problems);
  const logLevel = (read('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}.`);

  const config: Config = {
    discordToken,
    discordClientId,
    discordGuildId,
    discordApiBase: url('DISCORD_API_BASE'),
    openaiApiKey,
    openaiBaseUrl: url('OPENAI_BASE_URL'),
    dataDir: read('DATA_DIR') ?? './data',
    databaseUrl,
    shards,
    shardList,
    chatModel: read('PARLEY_CHAT_MODEL') ?? 'gpt-audio-1.5',
    speechModel: read('PARLEY_SPEECH_MODEL') ?? 'gpt-4o-mini-tts',
    speechBackend: speechBackend as SpeechBackend,
    realtimeModel: read('PARLEY_REALTIME_MODEL') ?? 'gpt-realtime-2.1-mini',
    transcribeModel: transcribeModel === 'off' ? '' : transcribeModel,
    voice: read('PARLEY_VOICE') ?? 'marin',
    persona: read('PARLEY_PERSONA') ?? DEFAULT_PERSONA,
    promptMaxChars: integer('PARLEY_PROMPT_MAX_CHARS', 2_000, 1, 6_000),
    historyTokenBudget: integer('PARLEY_HISTORY_TOKEN_BUDGET', 16_000, 500, 120_000),
    streamStallMs: integer('PARLEY_STREAM_STALL_MS', 20_000, 1_000, 300_000),
    silenceMs: integer('PARLEY_SILENCE_MS', 600, 200, 5_000),
    minSpeechMs: integer('PARLEY_MIN_SPEECH_MS', 300, 0, 5_000),
    maxUtteranceMs: integer('PARLEY_MAX_UTTERANCE_SECONDS', 30, 2, 120) * 1_000,
    earlyStartMs: integer('PARLEY_EARLY_START_MS', DEFAULT_EARLY_START_MS, 0, 5_000),
    aloneLeaveMs: integer('PARLEY_ALONE_LEAVE_SECONDS', 60, 0, 86_400) * 1_000,
    idleLeaveMs: integer('PARLEY_IDLE_LEAVE_SECONDS', 900, 0, 604_800) * 1_000,
    bargeInMs: integer('PARLEY_BARGE_IN_MS', 500, 100, 5_000),
    audioTurnsKept: integer('PARLEY_AUDIO_TURNS_KEPT', 4, 0, 50),
    turnQueueLimit: integer('PARLEY_TURN_QUEUE', 4, 1, 20),
    cooldownSeconds: integer('PARLEY_COOLDOWN_SECONDS', 5, 0, 3_600),
    dailyBudgetUsd: decimal('PARLEY_DAILY_BUDGET_USD', 5, 0, 100_000),
    prices: 'table' in prices ? prices.table : {},
    audioMaxBytes: integer('PARLEY_AUDIO_MAX_MB', 25, 1, 25) * 1_000_000,
    audioMaxDurationMs: integer('PARLEY_AUDIO_MAX_SECONDS', 600, 1, 3_600) * 1_000,
    audioDownloadTimeoutMs: integer('PARLEY_AUDIO_DOWNLOAD_SECONDS', 30, 1, 300) * 1_000,
    metricsPort: read('METRICS_PORT') === undefined ? undefined : integer('METRICS_PORT', 0, 1, 65_535),
    metricsHost: read('METRICS_HOST') ?? '127.0.0.1',
    logLevel: logLevel as LogLevel,
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}

/** The one start-up message for a bad configuration: every problem, one per line, no values. */
export function formatConfigProblems(problems: string[]): string {
  return [
    'Parley cannot start: the configuration is incomplete.',
    ...problems.map((p) => `  - ${p}`),
    'Set these in the environment or in a .env file (see .env.example).',
  ].join('\n');
}

/** `PARLEY_SHARDS`: unset, `off` or `0` = one process; `auto`; or 1-1024 shards. */
function parseShards(value: string | undefined, problems: string[]): Config['shards'] {
  if (value === undefined || value === 'off' || value === '0') return 'off';
  if (value === 'auto') return 'auto';
  const count = Number(value);
  if (Number.isInteger(count) && count >= 1 && count <= 1_024) return count;
  problems.push('PARLEY_SHARDS must be auto, off, or a whole number of shards from 1 to 1024.');
  return 'off';
}

/** `PARLEY_SHARD_LIST`: comma-separated shard ids, only with a numeric `PARLEY_SHARDS`. */
function parseShardList(value: string | undefined, shards: Config['shards'], problems: string[]): number[] | undefined {
  if (value === undefined) return undefined;
  const ids = value.split(',').map((part) => Number(part.trim()));
  if (typeof shards !== 'number' || ids.some((id) => !Number.isInteger(id) || id < 0 || id >= shards)) {
    problems.push('PARLEY_SHARD_LIST must be comma-separated shard ids below a numeric PARLEY_SHARDS (e.g. PARLEY_SHARDS=4, PARLEY_SHARD_LIST=0,1).');
    return undefined;
  }
  return [...new Set(ids)];
}
