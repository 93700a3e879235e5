/**
 * Names a failure for the `parley_errors_total{kind}` counter. Kinds form a short fixed vocabulary
 * (never a message, never an id), so the metric keeps a handful of series whatever goes wrong.
 */
import OpenAI from 'openai';
import { StreamStalledError } from '../ai/errors.ts';

/**
 * The kind of a failure from the OpenAI client or an answer stream: `openai_401`, `openai_403`,
 * `openai_404`, `openai_400`, `openai_429`, `openai_quota`, `openai_5xx`, `openai_timeout`,
 * `openai_connection`, `openai_stall`, `openai_aborted`, `openai_<status>` for any other status, or
 * `fallback` when the error is not OpenAI's at all.
 */
export function openaiErrorKind(err: unknown, fallback = 'other'): string {
  if (err instanceof StreamStalledError) return 'openai_stall';
  if (!(err instanceof OpenAI.APIError)) return fallback;
  if (err instanceof OpenAI.APIUserAbortError) return 'openai_aborted';
  if (err instanceof OpenAI.APIConnectionTimeoutError) return 'openai_timeout';
  if (err instanceof OpenAI.APIConnectionError) return 'openai_connection';
  const status = err.status;
  if (status === 429) {
    const code = (err.error as { code?: unknown } | undefined)?.code ?? err.code;
    return code === 'insufficient_quota' ? 'openai_quota' : 'openai_429';
  }
  if (typeof status === 'number' && status >= 500) return 'openai_5xx';
  return typeof status === 'number' ? `openai_${status}` : fallback;
}
