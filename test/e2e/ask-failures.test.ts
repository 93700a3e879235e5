import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

describe('/ask: bad input and OpenAI failures', () => {
  let bed: TestBed;
  const ask = (prompt: string, userId = 'alice') =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.guild.member(userId).id, name: 'ask', options: { prompt } });
  const settle = async (interaction: ReturnType<typeof ask>) => {
    await interaction.waitFor((r) => r.kind !== 'callback' && !String(r.body.content).endsWith('…'), 25_000);
    return interaction.lastContent() ?? '';
  };

  beforeAll(async () => {
    bed = await startTestBed({ PARLEY_STREAM_STALL_MS: '1500', PARLEY_PROMPT_MAX_CHARS: '200' });
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
  });
  afterAll(async () => {
    const secrets = [bed.config.discordToken, bed.config.openaiApiKey];
    for (const line of bed.logs) for (const secret of secrets) expect(line).not.toContain(secret);
    await bed?.close();
  });

  it('refuses an empty or whitespace prompt, privately', async () => {
    const reply = await ask('   ').waitForReply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.body.content).toMatch(/Type a question/);
  });

  it('refuses a prompt over the limit, saying the limit', async () => {
    const reply = await ask('x'.repeat(201)).waitForReply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.body.content).toMatch(/too long: 201 characters, the limit is 200/);
  });

  it('says the bot is misconfigured on 401 and logs it for the operator', async () => {
    bed.openai.scriptChat({ fault: { kind: 'status', status: 401, code: 'invalid_api_key', message: 'Incorrect API key provided' } });
    const content = await settle(ask('hello'));
    expect(content).toMatch(/misconfigured/);
    expect(content).not.toContain(bed.config.openaiApiKey);
    expect(bed.logs.some((l) => l.includes('"level":"error"') && l.includes('OPENAI_API_KEY'))).toBe(true);
  });

  it('says when to retry on 429 (after the SDK retries)', async () => {
    bed.openai.scriptChat({ fault: { kind: 'status', status: 429, times: 3, code: 'rate_limit_exceeded', headers: { 'retry-after-ms': '1200' } } });
    const content = await settle(ask('hello again'));
    expect(content).toMatch(/rate-limited.*try again in 2 seconds/);
  });

  it('reports 5xx after the SDK retries', async () => {
    const before = bed.openai.requests.length;
    bed.openai.scriptChat({ fault: { kind: 'status', status: 503, times: 3, headers: { 'retry-after-ms': '10' } } });
    const content = await settle(ask('are you there'));
    expect(content).toMatch(/OpenAI is having trouble/);
    expect(bed.openai.requests.length - before).toBe(3);
  });

  it('shows a refusal', async () => {
    bed.openai.scriptChat({ refusal: "I can't help with that." });
    const content = await settle(ask('something bad'));
    expect(content).toMatch(/declined to answer: I can't help with that/);
  });

  it('plays what came of a cut stream, marks the transcript as cut and stores the turn as interrupted', async () => {
    const capture = bed.discord.capture(bed.ids.guild);
    capture.reset();
    bed.openai.scriptChat({ transcript: 'This answer will be cut somewhere in the middle.', audio: speechLike(2_000, OPENAI_PCM_RATE, 31), chunkMs: 100, fault: { kind: 'cut', afterChunks: 14 } });
    const content = await settle(ask('cut me'));
    expect(content).toMatch(/Cut off: the stream ended early/);
    await capture.waitForQuiet(300, 10_000);
    const heardMs = capture.packets.filter((p) => !p.silence).length * 20;
    console.log(`cut stream: ${heardMs} ms played before the cut`);
    expect(heardMs).toBeGreaterThan(100);
    expect(heardMs).toBeLessThan(2_000);
    const last = (await bed.bot.ctx.store.history(bed.ids.voice)).at(-1)!;
    expect(last.kind === 'assistant' && last.status).toBe('interrupted');
    // Cut before its usage chunk: still billed, by estimate from what arrived.
    expect((await bed.bot.ctx.store.usageSummary(bed.ids.guild, 0)).estimatedCalls).toBe(1);
  });

  it('bounds a stalled stream with the stall timeout', async () => {
    bed.openai.scriptChat({ transcript: 'Stalling soon.', audio: speechLike(2_000, OPENAI_PCM_RATE, 32), chunkMs: 100, fault: { kind: 'stall', afterChunks: 8 } });
    const started = performance.now();
    const content = await settle(ask('stall'));
    const elapsed = performance.now() - started;
    console.log(`stalled stream answered after ${Math.round(elapsed)} ms (stall limit 1500 ms)`);
    expect(content).toMatch(/Cut off: the stream stalled/);
    expect(elapsed).toBeLessThan(15_000);
  });

  it('says so when nothing came before the stall', async () => {
    bed.openai.scriptChat({ transcript: 'never', audio: speechLike(500, OPENAI_PCM_RATE, 33), fault: { kind: 'stall', afterChunks: 0 } });
    const content = await settle(ask('stall early'));
    expect(content).toMatch(/stopped sending the answer/);
    // The voice connection is still usable afterwards.
    bed.openai.scriptChat({ transcript: 'Back to normal.', audio: speechLike(300, OPENAI_PCM_RATE, 34), speed: 4 });
    expect(await settle(ask('ok?'))).toContain('Back to normal.');
  });
});
