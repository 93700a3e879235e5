/**
 * Sharding end to end: `node src/main.ts` with PARLEY_SHARDS=auto against a fake Discord that recommends
 * two shards. The manager registers the commands once and starts two shard processes; each identifies as
 * its shard and owns one guild; a spoken /ask in each guild is answered in voice by the process that
 * owns it (SIGTERM arrives while the second is still speaking); both write to one PostgreSQL (started by the test); one /metrics and one /healthz describe
 * both; SIGTERM stops everything with both turns stored.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { PostgresStore } from '../../src/conversation/postgres-store.ts';
import { FakeDiscord, guildShard, snowflakeOnShard, type FakeGuild } from '../harness/discord/index.ts';
import { FakeOpenAI } from '../harness/openai/index.ts';
import { BotProcess, fakeEnvironment } from '../support/bot-process.ts';
import { freePort } from '../support/free-port.ts';
import { startPostgres, type PostgresServer } from '../support/postgres-server.ts';
import { speechLike } from '../support/signals.ts';
import { parseExposition, sampleValue } from '../unit/ops/parse-exposition.ts';

const SHARDS = 2;
/** Loose: two processes start one after the other, 5.5 s apart as Discord's identify limit asks. */
const READY_TIMEOUT_MS = 120_000;

describe('two gateway shards in two processes', () => {
  let discord: FakeDiscord;
  let openai: FakeOpenAI;
  let bot: BotProcess | undefined;
  let postgres: PostgresServer;
  const guilds: FakeGuild[] = [];
  const temps: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    temps.push(dir);
    return dir;
  };

  beforeAll(async () => {
    discord = await FakeDiscord.start({ recommendedShards: SHARDS });
    openai = await FakeOpenAI.start();
    postgres = await startPostgres();
    for (let shard = 0; shard < SHARDS; shard++) {
      guilds.push(
        discord.addGuild({
          id: snowflakeOnShard(shard, SHARDS),
          name: `Shard ${shard} Server`,
          channels: [
            { name: 'general', type: 'text' },
            { name: 'Lounge', type: 'voice' },
          ],
          members: [{ username: `member${shard}`, displayName: `Member ${shard}` }],
        }),
      );
    }
  });
  afterAll(async () => {
    await bot?.stop(30_000);
    await openai?.stop();
    await discord?.stop();
    await postgres?.stop();
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });

  it('routes each guild to its shard, answers a spoken /ask in both, reports both, and stops cleanly', async () => {
    const dataDir = tempDir('parley-shards-');
    const databaseUrl = await postgres.createDatabase('shards');
    const metricsPort = await freePort();
    const startedAt = performance.now();
    bot = BotProcess.start({ env: fakeEnvironment(discord, openai, dataDir, { PARLEY_SHARDS: 'auto', METRICS_PORT: String(metricsPort), DATABASE_URL: databaseUrl }), cwd: tempDir('parley-cwd-') });
    await bot.waitForLog((entry) => entry.msg === 'every shard ready', READY_TIMEOUT_MS);
    await discord.waitForBotReady(10_000);
    console.log(`two shards ready in ${Math.round(performance.now() - startedAt)} ms`);

    expect(discord.gatewayShards).toEqual([[0, SHARDS], [1, SHARDS]]);
    expect(guilds.map((guild) => guildShard(guild.id, SHARDS))).toEqual([0, 1]);
    expect(bot.logs().filter((entry) => typeof entry.msg === 'string' && /commands registered/.test(entry.msg))).toHaveLength(1);
    expect(discord.registeredCommands().map((command) => command.name)).toContain('ask');

    // Shard 0's guild hears a whole answer; shard 1's is still speaking when SIGTERM comes.
    const ask = (shard: number) => {
      const guild = guilds[shard]!;
      const member = guild.member(`member${shard}`);
      discord.setVoiceState(guild.id, member.id, guild.channel('Lounge').id);
      return discord.sendSlashCommand({ guildId: guild.id, channelId: guild.channel('general').id, userId: member.id, name: 'ask', options: { prompt: `Hello from shard ${shard}` } });
    };
    openai.scriptChat({ transcript: 'A short answer from shard zero.', audio: speechLike(1_200, OPENAI_PCM_RATE, 71), speed: 2 });
    await ask(0).waitFor((r) => r.kind === 'edit' && String(r.body.content).includes('A short answer from shard zero.'), 30_000);
    await discord.capture(guilds[0]!.id).waitForPackets(25, 20_000);
    const storedFirst = await bot.waitForLog((entry) => entry.msg === 'turn stored' && entry.conversation === guilds[0]!.channel('Lounge').id, 20_000);
    // Run and stored by the process that owns the guild's shard.
    expect(storedFirst.shard).toBe(0);

    openai.scriptChat({ transcript: 'A long answer from shard one that is still playing when the operator stops the bot.', audio: speechLike(8_000, OPENAI_PCM_RATE, 72), speed: 1 });
    ask(1);
    await discord.capture(guilds[1]!.id).waitForPackets(25, 30_000);

    const metrics = parseExposition(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());
    expect(sampleValue(metrics, 'parley_turns_started_total', { kind: 'ask' })).toBe(2);
    expect(sampleValue(metrics, 'parley_turns_finished_total', { kind: 'ask', status: 'complete' })).toBe(1);
    const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
    const report = (await health.json()) as { status: string; voiceSessions: number; shards: { id: number; status: string }[] };
    console.log(`sharded /healthz: ${JSON.stringify({ ...report, shards: report.shards.map((s) => `${s.id}:${s.status}`) })}`);
    expect(health.status).toBe(200);
    expect(report).toMatchObject({ status: 'ok', voiceSessions: 2 });
    expect(report.shards.map((shard) => [shard.id, shard.status])).toEqual([[0, 'ok'], [1, 'ok']]);

    const signalledAt = performance.now();
    bot.kill('SIGTERM');
    const exit = await bot.waitForExit(40_000);
    console.log(`SIGTERM to the manager mid-answer: every process out after ${Math.round(performance.now() - signalledAt)} ms, code ${exit.code}`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(bot.logs().filter((entry) => entry.level === 'error')).toEqual([]);
    expect(bot.logs().filter((entry) => entry.msg === 'stopped')).toHaveLength(SHARDS);
    const storedSecond = bot.logs().find((entry) => entry.msg === 'turn stored' && entry.conversation === guilds[1]!.channel('Lounge').id);
    expect(storedSecond?.shard).toBe(1);

    const store = await PostgresStore.open(databaseUrl);
    for (const guild of guilds) {
      const turns = await store.history(guild.channel('Lounge').id);
      console.log(`stored in ${guild.name}: ${turns.map((t) => (t.kind === 'user' ? 'user' : `assistant (${t.status})`)).join(', ')}`);
      expect(turns.map((turn) => turn.kind)).toEqual(['user', 'assistant']);
    }
    await store.close();
  }, 300_000);

  it('restarts a shard process that was killed, and the rest of the bot carries on (SQLite shared by both)', async () => {
    const dataDir = tempDir('parley-shards-sqlite-');
    const metricsPort = await freePort();
    const identifiesBefore = discord.gatewayStats.identifies;
    bot = BotProcess.start({ env: fakeEnvironment(discord, openai, dataDir, { PARLEY_SHARDS: String(SHARDS), METRICS_PORT: String(metricsPort) }), cwd: tempDir('parley-cwd-') });
    await bot.waitForLog((entry) => entry.msg === 'every shard ready', READY_TIMEOUT_MS);
    const healthz = async () => (await (await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).json()) as { status: string; shards: { id: number; status: string }[] };
    expect((await healthz()).status).toBe('ok');

    const shardPids = childPids(bot.child.pid!);
    expect(shardPids).toHaveLength(SHARDS);
    const killedAt = performance.now();
    process.kill(shardPids[1]!, 'SIGKILL');
    const exited = await bot.waitForLog((entry) => entry.msg === 'shard process exited', 10_000);
    const killedShard = Number(exited.shard);
    const during = await healthz();
    console.log(`shard killed: /healthz says ${during.status} (${during.shards.map((s) => `${s.id}:${s.status}`).join(', ')})`);
    expect(during.status).toBe('degraded');
    await expectEventually(async () => (await healthz()).status === 'ok', READY_TIMEOUT_MS);
    console.log(`killed shard back and healthy after ${Math.round(performance.now() - killedAt)} ms`);
    expect(discord.gatewayStats.identifies - identifiesBefore).toBe(SHARDS + 1);

    // The restarted shard answers in its guild.
    const guild = guilds[killedShard]!;
    openai.scriptChat({ transcript: 'Back again.', audio: speechLike(400, OPENAI_PCM_RATE, 73), speed: 4 });
    const again = discord.sendSlashCommand({ guildId: guild.id, channelId: guild.channel('general').id, userId: guild.member(`member${killedShard}`).id, name: 'ask', options: { prompt: 'Are you back?', speak: false } });
    await again.waitFor((r) => r.kind === 'edit' && String(r.body.content).includes('Back again.'), 30_000);

    bot.kill('SIGTERM');
    expect(await bot.waitForExit(40_000)).toEqual({ code: 0, signal: null });
  }, 300_000);
});

/** Child process ids of `parent`, from /proc (Linux). */
function childPids(parent: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may hold spaces, so split after ')'.
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return Number(fields[1]) === parent ? [Number(pid)] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a - b);
}

async function expectEventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (performance.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
