import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { StreamStalledError } from '../../../src/ai/errors.ts';
import { openaiErrorKind } from '../../../src/ops/error-kind.ts';

/** The error the SDK itself builds for an HTTP status and body (the same factory its client uses). */
const apiError = (status: number, error: Record<string, unknown> = {}) =>
  OpenAI.APIError.generate(status, { error: { message: 'x', ...error } }, undefined, new Headers());

describe('openaiErrorKind', () => {
  it('names HTTP failures by status, with quota apart from rate limits', () => {
    expect(openaiErrorKind(apiError(401))).toBe('openai_401');
    expect(openaiErrorKind(apiError(403))).toBe('openai_403');
    expect(openaiErrorKind(apiError(404))).toBe('openai_404');
    expect(openaiErrorKind(apiError(400))).toBe('openai_400');
    expect(openaiErrorKind(apiError(429, { code: 'rate_limit_exceeded' }))).toBe('openai_429');
    expect(openaiErrorKind(apiError(429, { code: 'insufficient_quota' }))).toBe('openai_quota');
    expect(openaiErrorKind(apiError(500))).toBe('openai_5xx');
    expect(openaiErrorKind(apiError(503))).toBe('openai_5xx');
    expect(openaiErrorKind(apiError(422))).toBe('openai_422');
  });

  it('names connection failures, timeouts, aborts and stalls', () => {
    expect(openaiErrorKind(new OpenAI.APIConnectionError({ message: 'reset' }))).toBe('openai_connection');
    expect(openaiErrorKind(new OpenAI.APIConnectionTimeoutError())).toBe('openai_timeout');
    expect(openaiErrorKind(new OpenAI.APIUserAbortError())).toBe('openai_aborted');
    expect(openaiErrorKind(new StreamStalledError('stalled'))).toBe('openai_stall');
  });

  it('falls back for anything that is not an OpenAI failure', () => {
    expect(openaiErrorKind(new Error('boom'))).toBe('other');
    expect(openaiErrorKind('string', 'command')).toBe('command');
  });
});
