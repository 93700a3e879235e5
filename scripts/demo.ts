/**
 * `npm run demo`: the real bot against the loopback fake Discord. A member in a voice channel asks one
 * question with /ask; the answer the voice server heard is written to demo-output/answer.wav.
 * Without OPENAI_API_KEY the fake OpenAI answers (a synthetic voice-like signal); with a real key the
 * question goes to OpenAI (or OPENAI_BASE_URL) and the answer is real.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { OPENAI_PCM_RATE } from '../src/audio/format.ts';
import { encodeWav } from '../src/audio/wav.ts';
import { startBot } from '../src/bot.ts';
import { parseConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { FakeDiscord, trustFakeDiscordCertificate } from '../test/harness/discord/index.ts';
import { FakeOpenAI } from '../test/harness/openai/index.ts';
import { speechLike } from '../test/support/signals.ts';

dotenv.config({ quiet: true });
const question = process.argv.slice(2).join(' ') || 'Hello Parley! What can you do for us?';
const realKey = process.env.OPENAI_API_KEY?.trim();
const outDir = path.resolve('demo-output');

const discord = await FakeDiscord.start();
trustFakeDiscordCertificate(discord.caCertPem);
const fakeOpenAI = realKey ? undefined : await FakeOpenAI.start();
fakeOpenAI?.scriptChat({
  transcript: 'Hi! I am Parley. Ask me anything here in voice, and I will answer out loud while I think.',
  audio: speechLike(3_500, OPENAI_PCM_RATE, 2026),
  firstChunkDelayMs: 300,
  speed: 2,
});

const guild = discord.addGuild({
  name: 'Demo Server',
  channels: [{ name: 'general', type: 'text' }, { name: 'Lounge', type: 'voice' }],
  members: [{ username: 'demo', displayName: 'Demo User' }],
});
const parsed = parseConfig({
  ...process.env,
  DISCORD_TOKEN: discord.botToken,
  DISCORD_CLIENT_ID: discord.applicationId,
  DISCORD_API_BASE: discord.apiBase,
  DISCORD_GUILD_ID: undefined,
  OPENAI_API_KEY: realKey ?? fakeOpenAI!.apiKey,
  OPENAI_BASE_URL: realKey ? process.env.OPENAI_BASE_URL : fakeOpenAI!.baseURL,
  DATA_DIR: path.join(outDir, 'data'),
  LOG_LEVEL: 'warn',
});
if (!parsed.ok) {
  console.error(parsed.problems.join('\n'));
  process.exit(1);
}
const bot = await startBot(parsed.config, { log: createLogger('warn') });
try {
  const member = guild.member('demo').id;
  discord.setVoiceState(guild.id, member, guild.channel('Lounge').id);
  console.log(`Asking (${realKey ? 'real OpenAI' : 'fake OpenAI'}): ${question}`);
  const started = performance.now();
  const interaction = discord.sendSlashCommand({ guildId: guild.id, channelId: guild.channel('general').id, userId: member, name: 'ask', options: { prompt: question } });
  await interaction.waitFor((r) => r.kind === 'edit' && !String(r.body.content).endsWith('…'), 120_000);
  const capture = discord.capture(guild.id);
  await capture.waitForQuiet(500, 120_000);
  const heard = capture.packets.filter((p) => !p.silence);
  if (heard.length === 0) throw new Error('no audio reached the voice channel');
  const pcm = capture.pcm();
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'answer.wav');
  writeFileSync(file, encodeWav(pcm, 48_000, 2));
  console.log(`Reply: ${interaction.lastContent()}`);
  console.log(`First answer audio after ${Math.round(heard[0]!.at - started)} ms; ${(pcm.length / 2 / 48_000).toFixed(1)} s of speech written to ${file}`);
} finally {
  await bot.stop();
  await fakeOpenAI?.stop();
  await discord.stop();
}
