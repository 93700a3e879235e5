import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_PCM_RATE, OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { decodePng } from '../support/png-checks.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

const DAY_MS = 86_400_000;
const BLUE = '#3b82f6';
const ORANGE = '#f0a030';
const GREY = '#9aa5b1';

describe('/latency and the /usage chart', () => {
  let bed: TestBed;
  const command = (name: string) => bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.mod, name });

  beforeAll(async () => {
    bed = await startTestBed();
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.mod, bed.ids.voice);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('/latency says there is nothing yet before any spoken turn', async () => {
    const reply = await command('latency').waitForReply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.body.content).toMatch(/No spoken turns here/);
    expect(reply.files).toHaveLength(0);
  });

  it('/latency draws the last spoken turns and gives the numbers in the text', async () => {
    const start = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.mod, name: 'talk', subcommand: 'start' });
    await start.waitFor((r) => r.kind === 'edit');
    for (const seed of [1, 2]) {
      bed.openai.scriptChat({ transcript: 'Answer.', audio: speechLike(300, OPENAI_PCM_RATE, 90 + seed), firstChunkDelayMs: 200, speed: 4 });
      await bed.discord.speak(bed.ids.guild, bed.ids.mod, speechLike(700, DISCORD_PCM_RATE, 92 + seed, 2));
      await expect.poll(() => bed.bot.ctx.talk.latency.recent(bed.ids.guild).length, { timeout: 15_000 }).toBe(seed);
    }
    const latency = command('latency');
    const edit = await latency.waitFor((r) => r.kind === 'edit', 15_000);
    expect(edit.ephemeral).toBe(true);
    const text = String(edit.body.content);
    expect(text).toMatch(/1\. Mo.*request \d+ ms → first model audio \d+ ms → first packet played \d+ ms/);
    expect(text.split('\n').filter((l) => /^\d\. Mo/.test(l))).toHaveLength(2);
    expect(edit.files).toHaveLength(1);
    expect(edit.files[0]!.name).toBe('latency.png');
    const png = decodePng(edit.files[0]!.data);
    expect([png.width, png.height]).toEqual([900, 140 + 2 * 34]);
    // Each of the three stages is drawn (bars of several hundred pixels), not an empty frame.
    for (const colour of [GREY, ORANGE, BLUE]) expect(png.count(colour)).toBeGreaterThan(300);
    const turns = bed.bot.ctx.talk.latency.recent(bed.ids.guild);
    for (const t of turns) {
      expect(t.firstModelAudioMs!).toBeGreaterThan(t.requestMs);
      expect(t.firstPlayedMs!).toBeGreaterThanOrEqual(t.firstModelAudioMs!);
    }
  });

  it('/usage attaches a 30-day spend chart', async () => {
    // Earlier spend on two other days, so the chart has more than today's bar.
    for (const daysAgo of [3, 12]) {
      await bed.bot.ctx.store.recordUsage({ guildId: bed.ids.guild, userId: bed.ids.mod, model: 'gpt-audio', tokens: { textIn: 0, cachedIn: 0, audioIn: 0, textOut: 0, audioOut: 0 }, costUsd: 0.5 * daysAgo, createdAt: Date.now() - daysAgo * DAY_MS });
    }
    const usage = command('usage');
    expect((await usage.waitForReply()).ephemeral).toBe(true);
    const edit = await usage.waitFor((r) => r.kind === 'edit', 15_000);
    expect(String(edit.body.content)).toContain('This month');
    expect(edit.files).toHaveLength(1);
    expect(edit.files[0]!.name).toBe('spend-30-days.png');
    const png = decodePng(edit.files[0]!.data);
    expect([png.width, png.height]).toEqual([900, 360]);
    expect(png.count(BLUE)).toBeGreaterThan(1_000); // the two tall bars at least
    expect(png.inked).toBeGreaterThan(5_000); // axes, labels, bars, budget line
  });
});
