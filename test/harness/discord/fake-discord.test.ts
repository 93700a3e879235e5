/**
 * Proves the loopback fake Discord against the REAL discord.js and @discordjs/voice (no Parley code):
 * login, command registration, slash/message commands and their replies, channel messages, voice
 * join, audio both ways (decoded and compared by SNR), voice resume/kick and gateway resume.
 */
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttachmentBuilder, Client, Events, GatewayIntentBits, MessageFlags, Routes } from 'discord.js';
import type { Guild, Interaction, TextChannel } from 'discord.js';
import {
  AudioPlayerStatus,
  EndBehaviorType,
  StreamType,
  VoiceConnectionStatus,
  createAudioPlayer,
  createAudioResource,
  entersState,
  joinVoiceChannel,
} from '@discordjs/voice';
import type { VoiceConnection } from '@discordjs/voice';
import opus from '@discordjs/opus';
import { FakeDiscord, Permission, trustFakeDiscordCertificate } from './index.ts';
import type { FakeGuild } from './index.ts';

const SAMPLE_RATE_HZ = 48_000;
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
const REQUIRED_SNR_DB = 30;
const STEP_TIMEOUT_MS = 15_000;

/** `seconds` of a sine at `frequencyHz`, 48 kHz stereo interleaved s16, half full scale. */
function tone48kStereo(frequencyHz: number, seconds: number): Int16Array {
  const frames = Math.round(SAMPLE_RATE_HZ * seconds);
  const pcm = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i += 1) {
    const sample = Math.round(16_384 * Math.sin((2 * Math.PI * frequencyHz * i) / SAMPLE_RATE_HZ));
    pcm[i * 2] = sample;
    pcm[i * 2 + 1] = sample;
  }
  return pcm;
}

/**
 * SNR (dB) of `received` against `reference` after aligning them: the codec delays audio by a few
 * milliseconds, so the lag (0..40 ms, in stereo frames) with the best left-channel correlation is used
 * (for a pure tone that may be the true delay plus whole periods, which compares the same samples).
 * The first and last 20 ms are left out: codec onset and the zero-padded last frame are not the point.
 */
function alignedSnrDb(reference: Int16Array, received: Int16Array): number {
  const frames = reference.length / 2;
  const edge = 960;
  const maxLag = 1_920;
  let bestLag = 0;
  let bestCorrelation = -Infinity;
  for (let lag = 0; lag <= maxLag; lag += 1) {
    let correlation = 0;
    for (let i = edge; i < frames - edge; i += 4) correlation += reference[i * 2]! * (received[(i + lag) * 2] ?? 0);
    if (correlation > bestCorrelation) {
      bestCorrelation = correlation;
      bestLag = lag;
    }
  }
  let signal = 0;
  let noise = 0;
  for (let i = edge * 2; i < (frames - edge) * 2; i += 1) {
    const expected = reference[i]!;
    const error = (received[i + bestLag * 2] ?? 0) - expected;
    signal += expected * expected;
    noise += error * error;
  }
  return 10 * Math.log10(signal / Math.max(noise, 1));
}

/** Decodes Opus packets (as the bot's receiver yields them) to 48 kHz stereo, skipping silence frames. */
function decodeOpusPackets(packets: Buffer[]): Int16Array {
  const decoder = new opus.OpusEncoder(SAMPLE_RATE_HZ, 2);
  const chunks = packets.filter((p) => !p.equals(OPUS_SILENCE)).map((p) => decoder.decode(p));
  const bytes = Buffer.concat(chunks);
  const pcm = new Int16Array(bytes.length / 2);
  for (let i = 0; i < pcm.length; i += 1) pcm[i] = bytes.readInt16LE(i * 2);
  return pcm;
}

/** Polls `condition` until it holds (discord.js applies dispatches asynchronously). */
async function waitFor(condition: () => boolean, timeoutMs = STEP_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Raw s16le PCM as a stream @discordjs/voice can play with StreamType.Raw. */
function pcmStream(pcm: Int16Array): Readable {
  return Readable.from([Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)]);
}

describe('FakeDiscord with the real discord.js and @discordjs/voice', () => {
  let fake: FakeDiscord;
  let fakeGuild: FakeGuild;
  let client: Client;
  let guild: Guild;
  let connection: VoiceConnection | undefined;
  const ids = { text: '', voice: '', studio: '', alice: '', bob: '' };
  /** The test's bot logic: each test installs what the bot does with the next interaction. */
  let onInteraction: (interaction: Interaction) => Promise<void> = async () => {};
  const interactionErrors: unknown[] = [];

  beforeAll(async () => {
    fake = await FakeDiscord.start();
    trustFakeDiscordCertificate(fake.caCertPem);
    fakeGuild = fake.addGuild({
      name: 'Harness Guild',
      channels: [
        { name: 'general', type: 'text' },
        { name: 'Lounge', type: 'voice' },
        { name: 'Studio', type: 'voice' },
      ],
      members: [{ username: 'alice', displayName: 'Alice' }, { username: 'bob' }],
    });
    ids.text = fakeGuild.channel('general').id;
    ids.voice = fakeGuild.channel('Lounge').id;
    ids.studio = fakeGuild.channel('Studio').id;
    ids.alice = fakeGuild.member('alice').id;
    ids.bob = fakeGuild.member('bob').id;

    client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates], rest: { api: fake.apiBase } });
    client.on(Events.InteractionCreate, (interaction) => {
      onInteraction(interaction).catch((error: unknown) => interactionErrors.push(error));
    });
    const ready = once(client, Events.ClientReady);
    await client.login(fake.botToken);
    await ready;
    await fake.waitForBotReady();
    guild = client.guilds.cache.get(fakeGuild.id)!;
  }, 30_000);

  afterAll(async () => {
    if (connection && connection.state.status !== VoiceConnectionStatus.Destroyed) connection.destroy();
    await client?.destroy();
    await fake?.stop();
  }, 30_000);

  it('logs in with READY + GUILD_CREATE and registers guild commands', async () => {
    expect(client.user?.id).toBe(fake.botUserId);
    expect(guild.channels.cache.get(ids.voice)?.name).toBe('Lounge');
    expect(guild.members.cache.get(ids.alice)?.displayName).toBe('Alice');
    expect(guild.members.me?.permissions.has(Permission.Administrator)).toBe(false);

    await client.application!.commands.set(
      [
        {
          name: 'ask',
          description: 'Ask something',
          options: [
            {
              type: 1,
              name: 'text',
              description: 'Ask in text',
              options: [
                { type: 3, name: 'question', description: 'What', required: true },
                { type: 10, name: 'temperature', description: 'How creative' },
                { type: 5, name: 'private', description: 'Only me' },
                { type: 11, name: 'audio', description: 'A recording' },
                { type: 7, name: 'where', description: 'A channel' },
              ],
            },
          ],
        },
        { name: 'Ask Parley', type: 3 },
      ],
      fakeGuild.id,
    );
    const registered = fake.registeredCommands(fakeGuild.id);
    expect(registered.map((c) => c.name)).toEqual(['ask', 'Ask Parley']);
    expect(registered[0].id).toMatch(/^\d+$/);
  });

  it('delivers a slash command with every option kind; defer, edit and follow-up with a file reach the fake', async () => {
    const audio = fake.serveAttachment({ filename: 'hello.ogg', contentType: 'audio/ogg', data: Buffer.from('OggS fake bytes') });
    onInteraction = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const attachment = interaction.options.getAttachment('audio', true);
      const downloaded = Buffer.from(await (await fetch(attachment.url)).arrayBuffer()).toString();
      const where = interaction.options.getChannel('where', true);
      await interaction.editReply(
        `${interaction.options.getSubcommand()}|${interaction.options.getString('question')}|${interaction.options.getNumber('temperature')}|` +
          `${interaction.options.getBoolean('private')}|${downloaded}|${where.name}|${interaction.memberPermissions?.has(Permission.Connect)}|` +
          `${interaction.appPermissions.has(Permission.Speak)}|${interaction.appPermissions.has(Permission.Administrator)}`,
      );
      await interaction.followUp({ content: 'here is a file', files: [{ attachment: Buffer.from('answer bytes'), name: 'answer.txt' }] });
    };
    const interaction = fake.sendSlashCommand({
      guildId: fakeGuild.id,
      channelId: ids.text,
      userId: ids.alice,
      name: 'ask',
      subcommand: 'text',
      options: { question: 'why?', temperature: 0.5, private: true, audio: { attachment: audio }, where: { channelId: ids.voice } },
    });
    const reply = await interaction.waitForReply(STEP_TIMEOUT_MS);
    expect(reply).toMatchObject({ kind: 'callback', type: 5, ephemeral: true });
    const followup = await interaction.waitFor((r) => r.kind === 'followup', STEP_TIMEOUT_MS);
    expect(followup.files).toHaveLength(1);
    expect(followup.files[0]!.name).toBe('answer.txt');
    expect(followup.files[0]!.data.toString()).toBe('answer bytes');
    const edit = interaction.responses.find((r) => r.kind === 'edit')!;
    expect(edit.body.content).toBe('text|why?|0.5|true|OggS fake bytes|Lounge|true|true|false');
    expect(edit.ephemeral).toBe(true);
    expect(interaction.lastContent()).toBe('here is a file');
    expect(interactionErrors).toEqual([]);
    const missing = fake.serveAttachment({ filename: 'gone.ogg', data: Buffer.alloc(10), status: 404, size: 99 });
    expect(missing.size).toBe(99);
    expect((await fetch(missing.url)).status).toBe(404);
  });

  it('answers raw REST like Discord: double callback 40060, edit before callback 10015', async () => {
    onInteraction = async () => {};
    const silent = fake.sendSlashCommand({ guildId: fakeGuild.id, channelId: ids.text, userId: ids.bob, name: 'ask', subcommand: 'text', options: { question: 'q' } });
    await expect(
      client.rest.patch(Routes.webhookMessage(fake.applicationId, silent.token, '@original'), { body: { content: 'x' }, auth: false }),
    ).rejects.toMatchObject({ code: 10_015 });
    const callback = Routes.interactionCallback(silent.id, silent.token);
    await client.rest.post(callback, { body: { type: 4, data: { content: 'first' } }, auth: false });
    await expect(client.rest.post(callback, { body: { type: 4, data: { content: 'again' } }, auth: false })).rejects.toMatchObject({ code: 40_060 });
    expect(silent.responses).toHaveLength(1);
  });

  it('delivers a message context-menu command and enforces channel message rules', async () => {
    onInteraction = async (interaction) => {
      if (!interaction.isMessageContextMenuCommand()) return;
      await interaction.reply({
        content: `target says: ${interaction.targetMessage.content} (${interaction.targetMessage.author.username})`,
        files: [{ attachment: Buffer.from('reply bytes'), name: 'reply.txt' }],
      });
    };
    const fromMenu = fake.sendMessageCommand({
      guildId: fakeGuild.id,
      channelId: ids.text,
      userId: ids.alice,
      name: 'Ask Parley',
      message: { authorId: ids.bob, content: 'hello there' },
    });
    const menuReply = await fromMenu.waitForReply(STEP_TIMEOUT_MS);
    expect(menuReply).toMatchObject({ type: 4, body: { content: 'target says: hello there (bob)' } });
    expect(menuReply.files.map((f) => `${f.name}:${f.data.toString()}`)).toEqual(['reply.txt:reply bytes']);

    const channel = guild.channels.cache.get(ids.text) as TextChannel;
    await channel.send({ content: 'plain', allowedMentions: { parse: [] } });
    const posted = await fake.waitForChannelMessage(ids.text, (m) => m.content === 'plain');
    expect(posted.allowedMentions).toEqual({ parse: [] });
    await expect(channel.send({ content: 'voice', files: [{ attachment: Buffer.from('x'), name: 'v.ogg' }], flags: MessageFlags.IsVoiceMessage })).rejects.toMatchObject({ code: 50_159 });
    const voiceFile = (): AttachmentBuilder => new AttachmentBuilder(Buffer.from('OggS voice'), { name: 'answer.ogg' }).setDuration(1.5).setWaveform('AAAA');
    await channel.send({ files: [voiceFile()], flags: MessageFlags.IsVoiceMessage });
    const voiceMessage = await fake.waitForChannelMessage(ids.text, (m) => (m.flags & MessageFlags.IsVoiceMessage) !== 0);
    expect(voiceMessage.attachments[0]).toMatchObject({ duration_secs: 1.5, waveform: 'AAAA' });
    expect(voiceMessage.files[0]!.data.toString()).toBe('OggS voice');
    fakeGuild.setPermissionOverwrite('general', { id: fake.botUserId, type: 1, allow: 0n, deny: Permission.SendVoiceMessages });
    await expect(channel.send({ files: [voiceFile()], flags: MessageFlags.IsVoiceMessage })).rejects.toMatchObject({ code: 50_013 });
    fakeGuild.setPermissionOverwrite('general', { id: fake.botUserId, type: 1, allow: 0n, deny: Permission.AttachFiles });
    await expect(channel.send({ files: [{ attachment: Buffer.from('x'), name: 'x.txt' }] })).rejects.toMatchObject({ code: 50_013, status: 403 });
    fakeGuild.removePermissionOverwrite('general', fake.botUserId);
    expect(fake.channelMessages(ids.text)).toHaveLength(2);

    const fetchedChannel = await client.channels.fetch(ids.voice, { force: true });
    expect(fetchedChannel?.isVoiceBased()).toBe(true);
    const fetchedMember = await guild.members.fetch({ user: ids.bob, force: true });
    expect(fetchedMember.user.username).toBe('bob');
  });

  it('joins voice, and a 440 Hz tone played by the bot reaches the capture with SNR >= 30 dB', async () => {
    connection = joinVoiceChannel({ channelId: ids.voice, guildId: fakeGuild.id, adapterCreator: guild.voiceAdapterCreator, selfDeaf: false });
    await entersState(connection, VoiceConnectionStatus.Ready, STEP_TIMEOUT_MS);
    await fake.waitForBotVoice(fakeGuild.id, ids.voice);

    const player = createAudioPlayer();
    connection.subscribe(player);
    const sent = tone48kStereo(440, 1);
    player.play(createAudioResource(pcmStream(sent), { inputType: StreamType.Raw }));
    await entersState(player, AudioPlayerStatus.Playing, STEP_TIMEOUT_MS);
    await entersState(player, AudioPlayerStatus.Idle, STEP_TIMEOUT_MS);
    const capture = fake.capture(fakeGuild.id);
    await capture.waitForQuiet(200, STEP_TIMEOUT_MS);
    const received = capture.pcm();
    expect(received.length).toBeGreaterThanOrEqual(sent.length * 0.95);
    expect(capture.packets.some((p) => p.silence)).toBe(true);
    expect(alignedSnrDb(sent, received)).toBeGreaterThanOrEqual(REQUIRED_SNR_DB);
    player.stop(true);
  }, 30_000);

  it("a member's speech reaches connection.receiver.subscribe() and decodes to the tone", async () => {
    fake.setVoiceState(fakeGuild.id, ids.alice, ids.voice);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(guild.voiceStates.cache.get(ids.alice)?.channelId).toBe(ids.voice);
    const stream = connection!.receiver.subscribe(ids.alice, { end: { behavior: EndBehaviorType.AfterSilence, duration: 300 } });
    const packets: Buffer[] = [];
    stream.on('data', (packet: Buffer) => packets.push(packet));
    const ended = once(stream, 'end');
    const spoken = tone48kStereo(660, 1);
    await fake.speak(fakeGuild.id, ids.alice, spoken);
    await ended;
    expect(packets.length).toBeGreaterThanOrEqual(50);
    expect(alignedSnrDb(spoken, decodeOpusPackets(packets))).toBeGreaterThanOrEqual(REQUIRED_SNR_DB);

    // Half the packets lost on the way: the receiver sees roughly half of them.
    fake.setUdpLoss(fakeGuild.id, 0.5);
    const lossy = connection!.receiver.subscribe(ids.alice, { end: { behavior: EndBehaviorType.AfterSilence, duration: 300 } });
    let lossyCount = 0;
    lossy.on('data', () => (lossyCount += 1));
    const lossyEnded = once(lossy, 'end');
    await fake.speak(fakeGuild.id, ids.alice, tone48kStereo(660, 0.6), { trailingSilenceFrames: 0 });
    await lossyEnded;
    fake.setUdpLoss(fakeGuild.id, 0);
    expect(lossyCount).toBeGreaterThan(5);
    expect(lossyCount).toBeLessThan(25);

    // Leaving voice sends op 13, which drops the member's ssrc mapping in the receiver.
    expect(connection!.receiver.ssrcMap.get(ids.alice)).toBeDefined();
    fake.setVoiceState(fakeGuild.id, ids.alice, null);
    await waitFor(() => connection!.receiver.ssrcMap.get(ids.alice) === undefined);
  }, 30_000);

  it('voice close 4015 resumes the same session; 4014 disconnects', async () => {
    const conn = connection!;
    const wentConnecting = once(conn, VoiceConnectionStatus.Connecting);
    await fake.closeVoice(fakeGuild.id, 4015);
    await wentConnecting;
    await entersState(conn, VoiceConnectionStatus.Ready, STEP_TIMEOUT_MS);
    await fake.waitForBotVoice(fakeGuild.id, ids.voice);

    // Audio still flows after the resume.
    const capture = fake.capture(fakeGuild.id);
    capture.reset();
    const player = createAudioPlayer();
    conn.subscribe(player);
    player.play(createAudioResource(pcmStream(tone48kStereo(440, 0.2)), { inputType: StreamType.Raw }));
    await capture.waitForPackets(10, STEP_TIMEOUT_MS);
    await entersState(player, AudioPlayerStatus.Idle, STEP_TIMEOUT_MS);

    await fake.closeVoice(fakeGuild.id, 4014);
    await entersState(conn, VoiceConnectionStatus.Disconnected, STEP_TIMEOUT_MS);
    expect(conn.state).toMatchObject({ closeCode: 4014 });
    expect(fake.botVoice(fakeGuild.id)).toMatchObject({ channelId: null, connected: false });
    await fake.waitForBotVoice(fakeGuild.id, null);
    expect(fake.voiceGatewayStats).toEqual({ identifies: 1, resumes: 1 });

    // Rejoining after the kick is a fresh join; a server-side move then lands the bot in Studio.
    conn.rejoin();
    await fake.waitForBotVoice(fakeGuild.id, ids.voice);
    await entersState(conn, VoiceConnectionStatus.Ready, STEP_TIMEOUT_MS);
    await fake.moveBot(fakeGuild.id, ids.studio);
    await fake.waitForBotVoice(fakeGuild.id, ids.studio);
    await entersState(conn, VoiceConnectionStatus.Ready, STEP_TIMEOUT_MS);
    expect(conn.joinConfig.channelId).toBe(ids.studio);
    expect(guild.members.me?.voice.channelId).toBe(ids.studio);

    conn.destroy();
    await fake.waitForBotVoice(fakeGuild.id, null);
  }, 30_000);

  it('resumes the main gateway after dropGateway and keeps delivering interactions', async () => {
    const resumed = once(client, Events.ShardResume);
    fake.dropGateway();
    await resumed;
    expect(fake.gatewayStats).toMatchObject({ identifies: 1, resumes: 1 });
    onInteraction = async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply('still here');
    };
    const after = fake.sendSlashCommand({ guildId: fakeGuild.id, channelId: ids.text, userId: ids.bob, name: 'ask', subcommand: 'text', options: { question: 'ok?' } });
    expect((await after.waitForReply(STEP_TIMEOUT_MS)).body.content).toBe('still here');
    expect(fake.unknownRoutes).toEqual([]);
    expect(interactionErrors).toEqual([]);
  }, 30_000);

  it('dispatches GUILD_CREATE for a guild added while the bot is online, and member/role updates', async () => {
    const joined = once(client, Events.GuildCreate);
    const second = fake.addGuild({ name: 'Second', channels: [{ name: 'chat', type: 'text' }] });
    const [created] = (await joined) as [Guild];
    expect(created.id).toBe(second.id);
    const dj = second.addRole({ name: 'DJ', permissions: Permission.MoveMembers });
    const carol = second.addMember({ username: 'carol' });
    second.addMemberRole('carol', 'DJ');
    await waitFor(() => client.guilds.cache.get(second.id)?.members.cache.get(carol.id)?.roles.cache.has(dj.id) === true);
  });
});
