/**
 * Maps OpenAI failures to what a member should read. Auth and configuration problems are for the
 * operator (logged in full); members learn only that the bot is misconfigured.
 */
import OpenAI from 'openai';
import { UserError } from '../discord/errors.ts';
import type { Logger } from '../log.ts';
import { isModelNotFoundError, modelInMessage, reportModelGone, settingOf } from './dead-models.ts';

/** A stream that sent nothing for too long. */
export class StreamStalledError extends Error {
  override name = 'StreamStalledError';
}

/** Seconds until a retry makes sense, from the SDK error's retry-after headers. */
export function retryAfterSeconds(err: InstanceType<typeof OpenAI.APIError>): number | undefined {
  const ms = Number(err.headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return Math.ceil(ms / 1000);
  const header = err.headers?.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(1, Math.ceil((date - Date.now()) / 1000)) : undefined;
}

/** Whether the model refused a streamed request (some audio models only answer whole). */
export function isStreamingUnsupportedError(err: unknown): boolean {
  return err instanceof OpenAI.BadRequestError && /stream/i.test(err.message) && !/audio\.format/i.test(err.message);
}

/** Converts an OpenAI (or stream) failure into a UserError, logging what the operator needs. */
export function toUserError(err: unknown, log: Logger): Error {
  if (err instanceof UserError) return err;
  if (err instanceof StreamStalledError) {
    log.warn('openai stream stalled');
    return new UserError('OpenAI stopped sending the answer. Please try again.');
  }
  if (err instanceof OpenAI.AuthenticationError || err instanceof OpenAI.PermissionDeniedError) {
    log.error('openai rejected the API key: check OPENAI_API_KEY', { status: err.status });
    return new UserError("I'm misconfigured and can't reach my voice service. A server admin should check the bot's logs.");
  }
  if (isModelNotFoundError(err)) {
    const model = modelInMessage(err instanceof Error ? err.message : '') ?? 'unknown';
    const setting = settingOf(model);
    reportModelGone(log, setting, model, `change ${setting} (for chat: gpt-audio-1.5) and restart`);
    return new UserError(`OpenAI no longer serves the model I'm set to use (${model}). The bot's operator needs to change ${setting}; a server admin can pass this on.`);
  }
  if (err instanceof OpenAI.NotFoundError) {
    log.error('openai model or endpoint not found: check the PARLEY_*_MODEL settings', { message: err.message });
    return new UserError("I'm misconfigured (my model is unavailable). A server admin should check the bot's logs.");
  }
  if (err instanceof OpenAI.RateLimitError) {
    const code = (err.error as { code?: string } | undefined)?.code ?? err.code;
    if (code === 'insufficient_quota') {
      log.error('openai quota exhausted');
      return new UserError("My OpenAI account is out of credit, so I can't answer right now. A server admin should check it.");
    }
    const seconds = retryAfterSeconds(err);
    log.warn('openai rate limited', { retryAfterSeconds: seconds });
    const wait = seconds ?? 20;
    return new UserError(`I'm being rate-limited by OpenAI. Please try again in ${wait === 1 ? 'a second' : `${wait} seconds`}.`);
  }
  if (err instanceof OpenAI.InternalServerError || err instanceof OpenAI.APIConnectionError) {
    log.warn('openai unavailable after retries', { err: err as Error });
    return new UserError('OpenAI is having trouble right now. Please try again in a minute.');
  }
  if (err instanceof OpenAI.BadRequestError) {
    log.error('openai rejected the request', { message: err.message, param: err.param });
    return new UserError('OpenAI rejected that request. Please rephrase or try again.');
  }
  return err instanceof Error ? err : new Error(String(err));
}
