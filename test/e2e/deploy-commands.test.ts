import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../harness/discord/index.ts';
import { FakeOpenAI } from '../harness/openai/index.ts';
import { fakeEnvironment } from '../support/bot-process.ts';

const DEPLOY = fileURLToPath(new URL('../../src/deploy-commands.ts', import.meta.url));
const run = promisify(execFile);

describe('npm run deploy-commands', () => {
  let discord: FakeDiscord;
  let openai: FakeOpenAI;
  let dir: string;
  beforeAll(async () => {
    discord = await FakeDiscord.start();
    openai = await FakeOpenAI.start();
    dir = mkdtempSync(path.join(tmpdir(), 'parley-deploy-'));
  });
  afterAll(async () => {
    await openai.stop();
    await discord.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const deploy = (extra: Record<string, string> = {}) =>
    run(process.execPath, ['--disable-warning=ExperimentalWarning', DEPLOY], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', ...fakeEnvironment(discord, openai, dir, extra) },
      timeout: 30_000,
    });

  it('registers the commands in DISCORD_GUILD_ID when set, without starting the bot', async () => {
    const guild = discord.addGuild({ name: 'Dev Server' });
    const { stdout } = await deploy({ DISCORD_GUILD_ID: guild.id });
    expect(stdout).toMatch(/commands registered in guild/);
    const names = discord.registeredCommands(guild.id).map((c: { name: string }) => c.name);
    expect(names).toContain('ask');
    expect(names).toContain('Ask Parley');
    expect(discord.gatewayStats.identifies).toBe(0);
  });

  it('registers them globally otherwise', async () => {
    const { stdout } = await deploy();
    expect(stdout).toMatch(/registered globally/);
    expect(discord.registeredCommands().length).toBeGreaterThanOrEqual(9);
  });

  it('fails with one line, no stack and no token, when Discord refuses the token', async () => {
    const error = await deploy({ DISCORD_TOKEN: 'not-the-right-token-value' }).catch((e: { code: number; stderr: string }) => e);
    expect((error as { code: number }).code).toBe(1);
    const stderr = (error as { stderr: string }).stderr.trim();
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^Could not register commands: /);
    expect(stderr).not.toContain('not-the-right-token-value');
  });
});
