/**
 * Failure drills on the real process (`node src/main.ts`, as `npm start` runs it) against the loopback
 * fakes: SIGTERM in the middle of a spoken answer, a corrupt or unreachable database, an empty
 * environment. Each prints how long it took.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { SqliteStore } from '../../src/conversation/store.ts';
import { FakeDiscord, type FakeGuild } from '../harness/discord/index.ts';
import { FakeOpenAI } from '../harness/openai/index.ts';
import { BotProcess, fakeEnvironment } from '../support/bot-process.ts';
import { speechLike } from '../support/signals.ts';
import { wordsOf, wordsPlayed } from '../support/heard-words.ts';

const PROMPT = 'What happens when you get SIGTERM?';
/** "Within a few seconds": the bound is loose for a busy machine; the figure is printed. */
const EXIT_BOUND_MS = 10_000;

describe('drills: the bot process', () => {
  let discord: FakeDiscord;
  let openai: FakeOpenAI;
  let guild: FakeGuild;
  const temps: string[] = [];
  const running: BotProcess[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    temps.push(dir);
    return dir;
  };
  const start = (env: Record<string, string>) => {
    const bot = BotProcess.start({ env, cwd: tempDir('parley-cwd-') });
    running.push(bot);
    return bot;
  };
  /** Waits for a (re)started process to identify, get its guilds and register its commands. */
  const ready = async (bot: BotProcess, identifiesBefore: number) => {
    const deadline = performance.now() + 30_000;
    while (discord.gatewayStats.identifies <= identifiesBefore) {
      if (bot.exit) throw new Error(`the bot exited: ${JSON.stringify(bot.exit)} ${bot.stderr}`);
      if (performance.now() > deadline) throw new Error('the bot did not identify');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await discord.waitForBotReady(30_000);
    await bot.waitForLog((entry) => typeof entry.msg === 'string' && /registered/i.test(entry.msg), 30_000);
  };
  const ask = (prompt: string) =>
    discord.sendSlashCommand({ guildId: guild.id, channelId: guild.channel('general').id, userId: guild.member('alice').id, name: 'ask', options: { prompt } });

  beforeAll(async () => {
    discord = await FakeDiscord.start();
    openai = await FakeOpenAI.start();
    guild = discord.addGuild({
      name: 'Drill Server',
      channels: [
        { name: 'general', type: 'text' },
        { name: 'Lounge', type: 'voice' },
      ],
      members: [{ username: 'alice', displayName: 'Alice' }],
    });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((bot) => bot.stop()));
  });
  afterAll(async () => {
    await openai?.stop();
    await discord?.stop();
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM mid-answer: exits 0 within seconds, the turn is stored whole, a restart remembers it', async () => {
    const dataDir = tempDir('parley-data-');
    const env = fakeEnvironment(discord, openai, dataDir);
    const first = start(env);
    await ready(first, discord.gatewayStats.identifies);
    const voiceId = guild.channel('Lounge').id;
    discord.setVoiceState(guild.id, guild.member('alice').id, voiceId);
    const transcript = 'Shutting down is a process with several careful steps, and this answer explains them all slowly.';
    openai.scriptChat({ transcript, audio: speechLike(6_000, OPENAI_PCM_RATE, 61), speed: 1 });
    const interaction = ask(PROMPT);
    const capture = discord.capture(guild.id);
    await capture.waitForPackets(25, 20_000); // half a second of the answer has been heard

    const signalledAt = performance.now();
    first.kill('SIGTERM');
    const exit = await first.waitForExit(30_000);
    const exitMs = performance.now() - signalledAt;
    const heardMs = capture.packets.filter((p) => !p.silence).length * 20;
    console.log(`SIGTERM mid-answer: exit code ${exit.code} after ${Math.round(exitMs)} ms; ${heardMs} ms of the answer heard; reply: ${JSON.stringify(interaction.lastContent() ?? null)}`);
    if (first.stderr.trim()) console.log(`SIGTERM: stderr:\n${first.stderr}`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(EXIT_BOUND_MS);
    expect(first.logs().filter((entry) => entry.level === 'error')).toEqual([]);

    const store = SqliteStore.open(dataDir);
    const turns = await store.history(voiceId);
    await store.close();
    const userIndex = turns.findIndex((t) => t.kind === 'user' && t.text?.includes(PROMPT));
    const answer = turns[userIndex + 1];
    console.log(`SIGTERM: stored ${turns.map((t) => (t.kind === 'user' ? 'user' : `assistant (${t.status})`)).join(', ')}`);
    expect(userIndex).toBeGreaterThanOrEqual(0);
    expect(answer?.kind).toBe('assistant');
    expect(answer?.kind === 'assistant' && ['complete', 'interrupted'].includes(answer.status)).toBe(true);
    // The whole transcript arrived before the audio: an interrupted answer keeps what was played, no more.
    const kept = answer?.kind === 'assistant' ? answer.transcript : '';
    const played = wordsPlayed(transcript, 6_000, heardMs);
    console.log(`SIGTERM: kept ${wordsOf(kept).length} of ${wordsOf(transcript).length} words, ${played} words played (${heardMs} of 6000 ms): "${kept}"`);
    expect(transcript.startsWith(kept)).toBe(true);
    expect(Math.abs(wordsOf(kept).length - played)).toBeLessThanOrEqual(2);
    // Never an answer without the question it answers.
    turns.forEach((turn, i) => turn.kind === 'assistant' && expect(turns[i - 1]?.kind).toBe('user'));

    const restartedAt = performance.now();
    const second = start(env);
    await ready(second, discord.gatewayStats.identifies);
    console.log(`SIGTERM: restarted and ready in ${Math.round(performance.now() - restartedAt)} ms`);
    const requestsBefore = openai.requests.length;
    openai.scriptChat({ transcript: 'I remember.', audio: speechLike(400, OPENAI_PCM_RATE, 62), speed: 4 });
    const again = ask('Do you remember what I asked?');
    await again.waitFor((r) => r.kind === 'edit' && String(r.body.content).includes('I remember.'), 20_000);
    const request = openai.requests.slice(requestsBefore).find((r) => r.path === '/v1/chat/completions')!;
    expect(JSON.stringify(request.body)).toContain(PROMPT);
    await second.stop();
    expect(second.exit).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('refuses to start on a corrupt database: one line naming the file, the file untouched', async () => {
    const dataDir = tempDir('parley-corrupt-');
    const dbPath = path.join(dataDir, 'parley.db');
    const garbage = Buffer.from('This is not a SQLite database, it is a shopping list: eggs, milk.\n'.repeat(200));
    writeFileSync(dbPath, garbage);
    const mtimeBefore = statSync(dbPath).mtimeMs;
    const started = performance.now();
    const bot = await BotProcess.runToExit({ env: fakeEnvironment(discord, openai, dataDir), cwd: tempDir('parley-cwd-') });
    console.log(`corrupt database: exit ${bot.exit?.code} after ${Math.round(performance.now() - started)} ms: ${bot.stderr.trim()}`);
    expectOneClearLine(bot, dbPath);
    expect(readFileSync(dbPath).equals(garbage)).toBe(true);
    expect(statSync(dbPath).mtimeMs).toBe(mtimeBefore);
    expect(readdirSync(dataDir)).toEqual(['parley.db']);
  }, 60_000);

  it('refuses to start when the data directory cannot be created: one line naming the file', async () => {
    const parent = tempDir('parley-unwritable-');
    writeFileSync(path.join(parent, 'a-file'), 'a regular file where a directory should be');
    const dataDir = path.join(parent, 'a-file', 'data');
    const started = performance.now();
    const bot = await BotProcess.runToExit({ env: fakeEnvironment(discord, openai, dataDir), cwd: tempDir('parley-cwd-') });
    console.log(`unwritable data directory: exit ${bot.exit?.code} after ${Math.round(performance.now() - started)} ms: ${bot.stderr.trim()}`);
    expectOneClearLine(bot, path.join(dataDir, 'parley.db'));
  }, 60_000);

  it('refuses to start when parley.db is a directory: one line naming the file', async () => {
    const dataDir = tempDir('parley-dir-');
    const dbPath = path.join(dataDir, 'parley.db');
    mkdirSync(dbPath);
    const started = performance.now();
    const bot = await BotProcess.runToExit({ env: fakeEnvironment(discord, openai, dataDir), cwd: tempDir('parley-cwd-') });
    console.log(`parley.db is a directory: exit ${bot.exit?.code} after ${Math.round(performance.now() - started)} ms: ${bot.stderr.trim()}`);
    expectOneClearLine(bot, dbPath);
  }, 60_000);

  it('with an empty environment, names DISCORD_TOKEN, DISCORD_CLIENT_ID and OPENAI_API_KEY and exits non-zero', async () => {
    const started = performance.now();
    const bot = await BotProcess.runToExit({ env: {}, cwd: tempDir('parley-empty-') });
    console.log(`empty environment: exit ${bot.exit?.code} after ${Math.round(performance.now() - started)} ms:\n${bot.stderr.trim()}`);
    expect(bot.exit?.code).not.toBe(0);
    expect(bot.exit?.code).not.toBeNull();
    for (const name of ['DISCORD_TOKEN', 'DISCORD_CLIENT_ID', 'OPENAI_API_KEY']) expect(bot.stderr).toContain(name);
    expect(bot.stderr).not.toMatch(/^\s+at /m);
    expect(bot.stdoutLines).toEqual([]);
  }, 60_000);
});

/** Exit code non-zero; stderr is one line that names `file`; no stack trace anywhere. */
function expectOneClearLine(bot: BotProcess, file: string): void {
  expect(bot.exit?.code).not.toBe(0);
  expect(bot.exit?.code).not.toBeNull();
  const lines = bot.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(file);
  expect(bot.stderr + bot.stdoutLines.join('\n')).not.toMatch(/^\s+at /m);
}
