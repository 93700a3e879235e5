/**
 * Proves the fake's DAVE v1 against the REAL @discordjs/voice 0.19.2 + @snazzah/davey (no Parley
 * code): the group forms, both sides show the same privacy code, the bot's plain frames are lost to
 * members once the call is encrypted, its encrypted frames decrypt, a member's encrypted speech comes
 * out of the receiver as opus, and `dave: { enabled: false }` negotiates version 0 as before.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { EndBehaviorType, VoiceConnectionStatus, entersState, joinVoiceChannel, type VoiceConnection } from '@discordjs/voice';
import opus from '@discordjs/opus';
import { FakeDiscord, trustFakeDiscordCertificate } from './index.ts';
import type { DaveOptions } from './dave-call.ts';

const STEP_TIMEOUT_MS = 15_000;
const FRAME_VALUES = 1_920;

async function startBed(dave: Partial<DaveOptions>) {
  const fake = await FakeDiscord.start({ dave });
  trustFakeDiscordCertificate(fake.caCertPem);
  const fakeGuild = fake.addGuild({ channels: [{ name: 'Lounge', type: 'voice' }], members: [{ username: 'alice' }] });
  const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates], rest: { api: fake.apiBase } });
  const ready = once(client, Events.ClientReady);
  await client.login(fake.botToken);
  await ready;
  await fake.waitForBotReady();
  const guild = client.guilds.cache.get(fakeGuild.id)!;
  const ids = { guild: fakeGuild.id, voice: fakeGuild.channel('Lounge').id, alice: fakeGuild.member('alice').id };
  fake.setVoiceState(ids.guild, ids.alice, ids.voice);
  const connection = joinVoiceChannel({ channelId: ids.voice, guildId: ids.guild, adapterCreator: guild.voiceAdapterCreator, selfDeaf: false });
  await entersState(connection, VoiceConnectionStatus.Ready, STEP_TIMEOUT_MS);
  return { fake, client, connection, ids };
}

function toneFrames(count: number): Buffer[] {
  const encoder = new opus.OpusEncoder(48_000, 2);
  return Array.from({ length: count }, (_, n) => {
    const pcm = Buffer.alloc(FRAME_VALUES * 2);
    for (let i = 0; i < FRAME_VALUES / 2; i++) {
      const s = Math.round(12_000 * Math.sin((2 * Math.PI * 440 * (n * 960 + i)) / 48_000));
      pcm.writeInt16LE(s, i * 4);
      pcm.writeInt16LE(s, i * 4 + 2);
    }
    return encoder.encode(pcm);
  });
}

describe('FakeDiscord DAVE with the real @discordjs/voice and davey', () => {
  let bed: Awaited<ReturnType<typeof startBed>> | undefined;
  afterEach(async () => {
    if (bed && bed.connection.state.status !== VoiceConnectionStatus.Destroyed) bed.connection.destroy();
    await bed?.client.destroy();
    await bed?.fake.stop();
    bed = undefined;
  });

  it('forms the group, counts plain frames as lost, decrypts encrypted ones, and delivers a member\'s encrypted speech', async () => {
    bed = await startBed({ handshakeDelayMs: 300 });
    const { fake, connection, ids } = bed;
    const capture = fake.capture(ids.guild);
    const frames = toneFrames(20);
    connection.setSpeaking(true);
    for (const frame of frames.slice(0, 5)) connection.playOpusPacket(frame); // before the handshake: plain
    await once(connection, 'transitioned');
    await expect.poll(() => fake.dave(ids.guild)?.privacyCode, { timeout: STEP_TIMEOUT_MS }).toBeDefined();
    expect(connection.voicePrivacyCode).toBe(fake.dave(ids.guild)!.privacyCode);
    for (const frame of frames.slice(5)) connection.playOpusPacket(frame);
    await capture.waitForPackets(15, STEP_TIMEOUT_MS);
    expect(capture.lost.map((l) => l.reason)).toEqual(Array(5).fill('not-e2ee'));
    expect(capture.packets.filter((p) => !p.silence)).toHaveLength(15);

    const stream = connection.receiver.subscribe(ids.alice, { end: { behavior: EndBehaviorType.AfterSilence, duration: 200 } });
    const received: Buffer[] = [];
    stream.on('data', (packet: Buffer) => received.push(packet));
    const spoken = new Int16Array(48_000); // 0.5 s stereo
    for (let i = 0; i < spoken.length; i++) spoken[i] = Math.round(8_000 * Math.sin((2 * Math.PI * 330 * Math.floor(i / 2)) / 48_000));
    await fake.speak(ids.guild, ids.alice, spoken);
    await once(stream, 'end');
    const decoder = new opus.OpusEncoder(48_000, 2);
    const speech = received.filter((p) => p.length > 3);
    expect(speech.length).toBeGreaterThanOrEqual(24);
    for (const packet of speech) expect(() => decoder.decode(packet)).not.toThrow();
    expect(speech.every((p) => p.readUInt16BE(p.length - 2) !== 0xfafa)).toBe(true);
  }, 30_000);

  it('with dave disabled negotiates version 0: no privacy code, frames pass as sent', async () => {
    bed = await startBed({ enabled: false });
    const { fake, connection, ids } = bed;
    connection.setSpeaking(true);
    for (const frame of toneFrames(5)) connection.playOpusPacket(frame);
    await fake.capture(ids.guild).waitForPackets(5, STEP_TIMEOUT_MS);
    expect(connection.voicePrivacyCode).toBeUndefined();
    expect(fake.dave(ids.guild)).toBeUndefined();
    expect(fake.capture(ids.guild).lost).toEqual([]);
  }, 30_000);
});
