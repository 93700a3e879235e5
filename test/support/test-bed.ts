/**
 * The whole bot on the loopback test bed: a fake Discord, a fake OpenAI and the real bot (real
 * discord.js, @discordjs/voice and openai SDK) in this process, with its database in a temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBot, type Bot } from '../../src/bot.ts';
import { parseConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { FakeDiscord, Permission, trustFakeDiscordCertificate, type FakeGuild } from '../harness/discord/index.ts';
import { FakeOpenAI } from '../harness/openai/index.ts';

export interface TestBed {
  discord: FakeDiscord;
  openai: FakeOpenAI;
  guild: FakeGuild;
  bot: Bot;
  config: Config;
  /** Every log line the bot wrote, as JSON text. */
  logs: string[];
  ids: { guild: string; text: string; voice: string; voice2: string; alice: string; bob: string; mod: string };
  /** Stops the bot and starts a new one on the same database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestBed(env: Record<string, string> = {}): Promise<TestBed> {
  const discord = await FakeDiscord.start();
  const openai = await FakeOpenAI.start();
  trustFakeDiscordCertificate(discord.caCertPem);
  const guild = discord.addGuild({
    name: 'Test Server',
    channels: [
      { name: 'general', type: 'text' },
      { name: 'Lounge', type: 'voice' },
      { name: 'Quiet Room', type: 'voice' },
    ],
    roles: [{ name: 'Moderator', permissions: Permission.ManageGuild | Permission.ManageChannels | Permission.MuteMembers }],
    members: [
      { username: 'alice', displayName: 'Alice' },
      { username: 'bob', displayName: 'Bob' },
      { username: 'mod', displayName: 'Mo' },
    ],
  });
  const ids = {
    guild: guild.id,
    text: guild.channel('general').id,
    voice: guild.channel('Lounge').id,
    voice2: guild.channel('Quiet Room').id,
    alice: guild.member('alice').id,
    bob: guild.member('bob').id,
    mod: guild.member('mod').id,
  };
  guild.addMemberRole('mod', 'Moderator');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-test-'));
  const parsed = parseConfig({
    DISCORD_TOKEN: discord.botToken,
    DISCORD_CLIENT_ID: discord.applicationId,
    DISCORD_API_BASE: discord.apiBase,
    OPENAI_API_KEY: openai.apiKey,
    OPENAI_BASE_URL: openai.baseURL,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    // Tests ask in quick succession; the cooldown has tests of its own.
    PARLEY_COOLDOWN_SECONDS: '0',
    ...env,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const config = parsed.config;
  const logs: string[] = [];
  const log = createLogger('debug', (line) => logs.push(line));
  const bed: TestBed = {
    discord,
    openai,
    guild,
    config,
    logs,
    ids,
    bot: await startBot(config, { log }),
    async restart() {
      await bed.bot.stop();
      bed.bot = await startBot(config, { log });
    },
    async close() {
      await bed.bot.stop();
      await openai.stop();
      await discord.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await discord.waitForBotReady();
  return bed;
}
