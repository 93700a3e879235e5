import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { isModelGone, isModelNotFoundError, registerModelSettings, resetGoneModels } from '../../src/ai/dead-models.ts';
import { toUserError } from '../../src/ai/errors.ts';
import { MODEL_SHUTDOWNS, upcomingShutdowns, warnAboutShutdowns } from '../../src/ai/model-lifecycle.ts';
import { parseConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';

const config = (env: Record<string, string> = {}): Config => {
  const parsed = parseConfig({ DISCORD_TOKEN: 'token', DISCORD_CLIENT_ID: '12345678901234567', OPENAI_API_KEY: 'sk-test', ...env });
  if (!parsed.ok) throw new Error(parsed.problems.join());
  return parsed.config;
};

/** The API's 404 for a model that is gone, as the SDK raises it. */
function modelNotFound(model: string): InstanceType<typeof OpenAI.NotFoundError> {
  const body = { message: `The model \`${model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: null, code: 'model_not_found' };
  return OpenAI.APIError.generate(404, { error: body }, undefined, new Headers()) as InstanceType<typeof OpenAI.NotFoundError>;
}

describe('model shutdowns', () => {
  it('every row is dated and sourced', () => {
    for (const row of MODEL_SHUTDOWNS) {
      expect(row.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(row.source.length).toBeGreaterThan(10);
    }
  });

  it('warns at start-up about configured models shutting down within 30 days, naming the setting', () => {
    const lines: string[] = [];
    const log = createLogger('debug', (line) => lines.push(line));
    const old = config({ PARLEY_CHAT_MODEL: 'gpt-audio', PARLEY_TRANSCRIBE_MODEL: 'gpt-4o-mini-transcribe' });
    warnAboutShutdowns(old, log, Date.parse('2026-12-20T00:00:00Z'));
    // gpt-audio (2027-01-20) is 31 days out and gpt-4o-mini-transcribe (2027-02-26) further: not yet.
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'PARLEY_SPEECH_MODEL=gpt-4o-mini-tts shuts down on 2027-01-06, in 17 days: change it to gpt-realtime-2.1-mini through the Realtime API (PARLEY_SPEECH_BACKEND=realtime)',
    ]);
    lines.length = 0;
    warnAboutShutdowns(old, log, Date.parse('2027-01-08T00:00:00Z'));
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'PARLEY_CHAT_MODEL=gpt-audio shuts down on 2027-01-20, in 12 days (unconfirmed): change it to gpt-audio-1.5',
      'PARLEY_SPEECH_MODEL=gpt-4o-mini-tts was shut down on 2027-01-06: change it to gpt-realtime-2.1-mini through the Realtime API (PARLEY_SPEECH_BACKEND=realtime)',
    ]);
    expect(upcomingShutdowns(config(), Date.parse('2026-12-03T00:00:00Z'))).toEqual([]);
    expect(upcomingShutdowns(config(), Date.parse('2027-01-10T00:00:00Z')).map((s) => s.setting)).toEqual(['PARLEY_SPEECH_MODEL']);
  });

  it('a gone chat model: the member is told what the operator must change, the operator reads it in the log once', () => {
    resetGoneModels();
    registerModelSettings([{ setting: 'PARLEY_CHAT_MODEL', model: 'gpt-audio' }]);
    const lines: string[] = [];
    const log = createLogger('debug', (line) => lines.push(line));
    const err = modelNotFound('gpt-audio');
    expect(isModelNotFoundError(err)).toBe(true);
    const first = toUserError(err, log);
    toUserError(modelNotFound('gpt-audio'), log);
    expect(first.message).toMatch(/no longer serves the model I'm set to use \(gpt-audio\)\. The bot's operator needs to change PARLEY_CHAT_MODEL/);
    expect(lines.filter((l) => l.includes('PARLEY_CHAT_MODEL=gpt-audio does not exist'))).toHaveLength(1);
    expect(isModelGone('gpt-audio')).toBe(true);
    resetGoneModels();
  });
});
