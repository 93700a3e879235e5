/**
 * Structured logging: one JSON object per line, with context fields (guild, channel, turn ids) carried by
 * child loggers. Every line passes through `redact`, so a secret that reaches an error message or a
 * library's output still never reaches the log.
 */
import type { LogLevel } from './config.ts';

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const secrets = new Set<string>();

/** Registers a value (token, API key) that must never appear in logs, replies or error messages. */
export function registerSecret(value: string | undefined): void {
  // Very short values would redact ordinary words; real tokens and keys are long.
  if (value && value.length >= 8) secrets.add(value);
}

/** Replaces every registered secret in `text` with a marker. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Where lines go; tests pass an array sink to read what was logged. */
export type LogSink = (line: string) => void;

export function createLogger(level: LogLevel = 'info', sink: LogSink = (l) => process.stdout.write(l + '\n'), base: LogFields = {}): Logger {
  const write = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (LEVEL_ORDER[lvl] < LEVEL_ORDER[level]) return;
    const record = { time: new Date().toISOString(), level: lvl, msg, ...base, ...serializeFields(fields) };
    sink(redact(JSON.stringify(record)));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger(level, sink, { ...base, ...fields }),
  };
}

function serializeFields(fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) out[key] = value instanceof Error ? describeError(value) : value;
  return out;
}

/** A loggable summary of an error: name, message, status and a short stack, never request headers. */
export function describeError(err: Error): LogFields {
  const status = (err as { status?: unknown }).status;
  return {
    name: err.name,
    message: err.message,
    ...(typeof status === 'number' ? { status } : {}),
    stack: err.stack?.split('\n').slice(1, 6).map((s) => s.trim()),
  };
}

/** A logger that drops everything; for tools and tests that do not care. */
export const silentLogger: Logger = createLogger('error', () => {});
