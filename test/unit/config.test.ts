import { describe, expect, it } from 'vitest';
import { formatConfigProblems, parseConfig } from '../../src/config.ts';

const valid = {
  DISCORD_TOKEN: 'token-value-abcdefgh',
  DISCORD_CLIENT_ID: '123456789012345678',
  OPENAI_API_KEY: 'sk-test-abcdefgh',
};

describe('parseConfig', () => {
  it('names every missing required variable and where to get it', () => {
    const result = parseConfig({});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatConfigProblems(result.problems);
    for (const name of ['DISCORD_TOKEN', 'DISCORD_CLIENT_ID', 'OPENAI_API_KEY']) expect(text).toContain(name);
    expect(text).toContain('discord.com/developers');
    expect(text).toContain('platform.openai.com');
  });

  it('treats blank values as missing', () => {
    const result = parseConfig({ ...valid, OPENAI_API_KEY: '   ' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join()).toContain('OPENAI_API_KEY is missing');
  });

  it('reports malformed values without echoing secrets', () => {
    const result = parseConfig({
      ...valid,
      DISCORD_TOKEN: 'Bot secret-token-value',
      DISCORD_CLIENT_ID: 'abc',
      DISCORD_GUILD_ID: '12',
      DISCORD_API_BASE: 'ftp://x',
      OPENAI_BASE_URL: 'not a url',
      PARLEY_PROMPT_MAX_CHARS: '0',
      LOG_LEVEL: 'loud',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(7);
    expect(result.problems.join('\n')).not.toContain('secret-token-value');
  });

  it('fills defaults', () => {
    const result = parseConfig(valid);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.chatModel).toBe('gpt-audio-1.5');
    expect(result.config.transcribeModel).toBe('gpt-transcribe');
    expect(result.config.speechBackend).toBe('realtime');
    expect(result.config.realtimeModel).toBe('gpt-realtime-2.1-mini');
    expect(result.config.speechModel).toBe('gpt-4o-mini-tts');
    expect(result.config.dataDir).toBe('./data');
    expect(result.config.discordApiBase).toBeUndefined();
  });

  it('keeps the older speech settings working and refuses an unknown backend', () => {
    const speech = parseConfig({ ...valid, PARLEY_SPEECH_BACKEND: 'speech', PARLEY_SPEECH_MODEL: 'kokoro-82m' });
    expect(speech.ok && [speech.config.speechBackend, speech.config.speechModel]).toEqual(['speech', 'kokoro-82m']);
    expect(parseConfig({ ...valid, PARLEY_SPEECH_BACKEND: 'Chat' }).ok).toBe(true);
    const bad = parseConfig({ ...valid, PARLEY_SPEECH_BACKEND: 'tts' });
    expect(!bad.ok && bad.problems).toEqual(['PARLEY_SPEECH_BACKEND must be one of realtime, chat, speech.']);
  });

  it('strips a trailing slash from base URLs', () => {
    const result = parseConfig({ ...valid, DISCORD_API_BASE: 'http://127.0.0.1:3000/api/' });
    expect(result.ok && result.config.discordApiBase).toBe('http://127.0.0.1:3000/api');
  });

  it('reads the scaling settings: store URL, shard count and this machine\'s shards', () => {
    const one = parseConfig(valid);
    expect(one.ok && [one.config.shards, one.config.databaseUrl, one.config.shardList]).toEqual(['off', undefined, undefined]);
    const many = parseConfig({ ...valid, PARLEY_SHARDS: '4', PARLEY_SHARD_LIST: '2, 3', DATABASE_URL: 'postgres://u:p@db:5432/parley' });
    expect(many.ok && [many.config.shards, many.config.shardList, many.config.databaseUrl]).toEqual([4, [2, 3], 'postgres://u:p@db:5432/parley']);
    expect(parseConfig({ ...valid, PARLEY_SHARDS: 'auto' })).toMatchObject({ ok: true, config: { shards: 'auto' } });
    const bad = parseConfig({ ...valid, PARLEY_SHARDS: 'many', PARLEY_SHARD_LIST: '0', DATABASE_URL: 'mysql://secret-password@x/db' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems).toHaveLength(3);
    expect(bad.problems.join('\n')).not.toContain('secret-password');
  });
});
