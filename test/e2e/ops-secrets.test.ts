import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { GENERIC_FAILURE } from '../../src/discord/errors.ts';
import { Permission, type InteractionRecord } from '../harness/discord/index.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
/** A cold start imports discord.js, openai and opus: generous for a busy 2-core machine. */
const SPAWN_TIMEOUT_MS = 45_000;

/** A token shaped like Discord's (base64 user id . timestamp . hmac) and a key shaped like OpenAI's. */
const fakeDiscordToken = () => `${Buffer.from('1234567890123456789').toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(20).toString('base64url')}`;
const fakeOpenAIKey = () => `sk-proj-${randomBytes(36).toString('base64url')}`;

/** Runs `node src/main.ts` as `npm start` does, in an empty directory (no .env) with only `env`. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'parley-secrets-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { cwd, env: { PATH: process.env.PATH ?? '', DATA_DIR: path.join(cwd, 'data'), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), SPAWN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the Discord token and the OpenAI key never leak', () => {
  let bed: TestBed;
  const interactions: InteractionRecord[] = [];
  const secrets = () => [bed.config.discordToken, bed.config.openaiApiKey];
  const ask = (prompt: string, user: 'alice' | 'bob' = 'alice') => {
    const interaction = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids[user], name: 'ask', options: { prompt } });
    interactions.push(interaction);
    return interaction;
  };
  const settle = async (interaction: InteractionRecord) => {
    await interaction.waitFor((r) => r.kind !== 'callback' && !String(r.body.content).endsWith('…'), 25_000);
    return interaction.lastContent() ?? '';
  };
  /** A failure message that quotes both secrets, as a careless upstream might. */
  const echoing = (what: string) => `${what}: key ${bed.config.openaiApiKey} with token ${bed.config.discordToken}`;
  const redactedLines = () => bed.logs.filter((l) => l.includes('[redacted]')).length;

  beforeAll(async () => {
    bed = await startTestBed({ PARLEY_STREAM_STALL_MS: '1500' });
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('OpenAI 401 whose message echoes the key', async () => {
    bed.openai.scriptChat({ fault: { kind: 'status', status: 401, code: 'invalid_api_key', message: `Incorrect API key provided: ${bed.config.openaiApiKey}.` } });
    expect(await settle(ask('hello'))).toMatch(/misconfigured/);
  });

  it('OpenAI 500 (after the SDK retries) whose error is logged with its message', async () => {
    const before = redactedLines();
    bed.openai.scriptChat({ fault: { kind: 'status', status: 500, times: 3, message: echoing('server error'), headers: { 'retry-after-ms': '10' } } });
    expect(await settle(ask('are you there'))).toMatch(/OpenAI is having trouble/);
    // The secrets did reach the logger (in the error message) and were replaced there.
    expect(redactedLines()).toBeGreaterThan(before);
  });

  it('OpenAI 400 whose message is logged for the operator', async () => {
    const before = redactedLines();
    bed.openai.scriptChat({ fault: { kind: 'status', status: 400, message: echoing('bad request') } });
    expect(await settle(ask('odd request'))).toMatch(/OpenAI rejected that request/);
    expect(redactedLines()).toBeGreaterThan(before);
  });

  it('an unexpected OpenAI status takes the generic error path with the error logged', async () => {
    const before = redactedLines();
    bed.openai.scriptChat({ fault: { kind: 'status', status: 422, message: echoing('unprocessable') } });
    expect(await settle(ask('unexpected'))).toBe(GENERIC_FAILURE);
    expect(bed.logs.some((l) => l.includes('command failed') && l.includes('[redacted]'))).toBe(true);
    expect(redactedLines()).toBeGreaterThan(before);
  });

  it('a Discord REST error (voice message refused: 50013) is logged and worked around', async () => {
    bed.guild.setPermissionOverwrite('general', { id: bed.guild.botRoleId, type: 0, allow: 0n, deny: Permission.SendVoiceMessages });
    bed.openai.scriptChat({ transcript: 'Attached instead.', audio: speechLike(400, OPENAI_PCM_RATE, 51), speed: 4 });
    const interaction = ask('voice message please', 'bob');
    await interaction.waitFor((r) => r.kind === 'edit' && r.files.length === 1, 20_000);
    expect(bed.logs.some((l) => l.includes('voice message not possible here') && /Missing Permissions|50013/.test(l))).toBe(true);
  });

  it('no log line, interaction response or channel message contains either secret', () => {
    const responses = interactions.flatMap((i) => i.responses);
    const messages = [bed.ids.text, bed.ids.voice, bed.ids.voice2].flatMap((id) => bed.discord.channelMessages(id));
    // Coverage, so an empty haystack cannot pass: every scenario above logged and answered.
    expect(bed.logs.length).toBeGreaterThan(5);
    expect(responses.length).toBeGreaterThanOrEqual(2 * interactions.length);
    const haystacks = [
      ...bed.logs.map((line, i) => [`log line ${i}`, line] as const),
      ...responses.map((r, i) => [`interaction response ${i}`, JSON.stringify(r.body) + r.files.map((f) => f.name).join()] as const),
      ...messages.map((m, i) => [`channel message ${i}`, JSON.stringify(m.body) + m.files.map((f) => f.name).join()] as const),
    ];
    for (const [where, text] of haystacks) for (const secret of secrets()) expect(text.includes(secret), where).toBe(false);
  });

  describe('a spawned `node src/main.ts`', () => {
    it('a malformed value next to valid-looking secrets: one config message, no secret', async () => {
      const token = fakeDiscordToken();
      const key = fakeOpenAIKey();
      const run = await runMain({ DISCORD_TOKEN: token, DISCORD_CLIENT_ID: 'my-app', OPENAI_API_KEY: key, PARLEY_SILENCE_MS: 'soon', LOG_LEVEL: 'loud' });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/DISCORD_CLIENT_ID must be a Discord id/);
      expect(run.stderr).toMatch(/PARLEY_SILENCE_MS must be a whole number/);
      for (const secret of [token, key]) expect(run.stdout + run.stderr).not.toContain(secret);
    }, SPAWN_TIMEOUT_MS + 5_000);

    it('a token pasted with its "Bot " prefix: refused without repeating it', async () => {
      const token = fakeDiscordToken();
      const key = fakeOpenAIKey();
      const run = await runMain({ DISCORD_TOKEN: `Bot ${token}`, DISCORD_CLIENT_ID: '123456789012345678', OPENAI_API_KEY: key });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/DISCORD_TOKEN must be the bare token/);
      for (const secret of [token, key]) expect(run.stdout + run.stderr).not.toContain(secret);
    }, SPAWN_TIMEOUT_MS + 5_000);

    it('a token Discord rejects at login: one start-up failure line, no secret', async () => {
      const token = fakeDiscordToken();
      const key = fakeOpenAIKey();
      const run = await runMain({
        DISCORD_TOKEN: token,
        DISCORD_CLIENT_ID: bed.discord.applicationId,
        DISCORD_API_BASE: bed.discord.apiBase,
        OPENAI_API_KEY: key,
        OPENAI_BASE_URL: bed.openai.baseURL,
        LOG_LEVEL: 'debug',
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/Parley could not start: .*token/i);
      for (const secret of [token, key, ...secrets()]) expect(run.stdout + run.stderr).not.toContain(secret);
    }, SPAWN_TIMEOUT_MS + 5_000);
  });
});
