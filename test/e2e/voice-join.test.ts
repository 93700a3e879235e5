import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoiceConnectionStatus } from '@discordjs/voice';
import { DISCORD_PCM_RATE } from '../../src/audio/format.ts';
import { OpusFrameEncoder } from '../../src/audio/opus-frames.ts';
import { OpusTrack } from '../../src/voice/track.ts';
import { snrDb } from '../support/compare.ts';
import { tone } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

describe('foundation: login, commands, /join, /leave, voice faults', () => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await startTestBed();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('registers every command with Discord', () => {
    const names = bed.discord.registeredCommands().map((c: { name: string }) => c.name).sort();
    expect(names).toEqual(['Ask Parley', 'announce', 'ask', 'join', 'latency', 'leave', 'reset', 'settings', 'talk', 'usage']);
  });

  it('tells a member who is not in voice to join one', async () => {
    const reply = await bed.discord
      .sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'join' })
      .waitForReply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.body.content).toMatch(/Join a voice channel first/);
  });

  it('refuses a text channel as the target', async () => {
    const reply = await bed.discord
      .sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'join', options: { channel: { channelId: bed.ids.text } } })
      .waitForReply();
    expect(reply.body.content).toMatch(/not a voice or stage channel/);
  });

  it('joins the caller\'s channel and plays a tone that arrives intact (SNR >= 30 dB)', async () => {
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    const join = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'join' });
    await join.waitFor((r) => r.kind === 'edit');
    expect(join.lastContent()).toMatch(/Joined Lounge/);
    await bed.discord.waitForBotVoice(bed.ids.guild, bed.ids.voice);
    const session = bed.bot.ctx.voice.get(bed.ids.guild)!;
    expect(session.connection.state.status).toBe(VoiceConnectionStatus.Ready);

    const reference = tone(440, 1_000, DISCORD_PCM_RATE, { channels: 2, amplitude: 0.5 });
    const encoder = new OpusFrameEncoder();
    const track = new OpusTrack();
    session.pacer.enqueue(track);
    track.push(...encoder.push(reference), ...encoder.flush());
    track.end();
    expect(await track.done).toBe('played');
    const capture = bed.discord.capture(bed.ids.guild);
    await capture.waitForPackets(50);
    const received = capture.pcm();
    const snr = snrDb(reference, received);
    console.log(`tone through the pacer: ${received.length / 2 / 48} ms received, SNR ${snr.toFixed(1)} dB`);
    expect(snr).toBeGreaterThanOrEqual(30);
  });

  it('says so when asked to join the channel it is already in', async () => {
    const reply = await bed.discord
      .sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'join' })
      .waitForReply();
    expect(reply.body.content).toMatch(/already in Lounge/);
  });

  it('resumes after voice close 4015', async () => {
    const session = bed.bot.ctx.voice.get(bed.ids.guild)!;
    const resumesBefore = bed.discord.voiceGatewayStats.resumes;
    const started = performance.now();
    await bed.discord.closeVoice(bed.ids.guild, 4015);
    await expect.poll(() => bed.discord.voiceGatewayStats.resumes, { timeout: 10_000 }).toBeGreaterThan(resumesBefore);
    await expect.poll(() => session.connection.state.status, { timeout: 10_000 }).toBe(VoiceConnectionStatus.Ready);
    console.log(`voice 4015 recovered in ${Math.round(performance.now() - started)} ms`);
    expect(bed.bot.ctx.voice.get(bed.ids.guild)).toBe(session);
  });

  it('leaves with /leave', async () => {
    const reply = await bed.discord
      .sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'leave' })
      .waitForReply();
    expect(reply.body.content).toMatch(/Left/);
    await bed.discord.waitForBotVoice(bed.ids.guild, null);
    expect(bed.bot.ctx.voice.get(bed.ids.guild)).toBeUndefined();
  });

  it('ends the session on 4014 (kicked) and answers the next /leave sensibly', async () => {
    const join = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'join' });
    await join.waitFor((r) => r.kind === 'edit');
    await bed.discord.waitForBotVoice(bed.ids.guild, bed.ids.voice);
    await bed.discord.moveBot(bed.ids.guild, null);
    await expect.poll(() => bed.bot.ctx.voice.get(bed.ids.guild), { timeout: 10_000 }).toBeUndefined();
    const reply = await bed.discord
      .sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'leave' })
      .waitForReply();
    expect(reply.body.content).toMatch(/not in a voice channel/);
    expect(bed.discord.unknownRoutes).toEqual([]);
  });
});
