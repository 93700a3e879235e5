/**
 * `npm start`: read the configuration, start the bot, stop cleanly on SIGINT/SIGTERM. With
 * `PARLEY_SHARDS` set this process is the sharding manager and each shard runs this file again as a
 * child process (discord.js sets SHARDING_MANAGER, SHARDS and SHARD_COUNT for it).
 */
import dotenv from 'dotenv';
import { startBot } from './bot.ts';
import { formatConfigProblems, parseConfig } from './config.ts';
import { createLogger, redact } from './log.ts';
import { runShardManager } from './sharding/manager.ts';

dotenv.config({ quiet: true });
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  process.stderr.write(formatConfigProblems(parsed.problems) + '\n');
  process.exit(1);
}
const config = parsed.config;
const isShard = process.env['SHARDING_MANAGER'] === 'true';
const baseLog = createLogger(config.logLevel);
const log = isShard ? baseLog.child({ shard: Number(process.env['SHARDS']) }) : baseLog;

try {
  const running =
    config.shards !== 'off' && !isShard
      ? await runShardManager(config, log.child({ role: 'manager' }))
      : await startBot(config, { log, registerCommands: !isShard, serveOps: !isShard });
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { reason });
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  // A shard whose manager is gone (killed outright) stops too rather than run unmanaged.
  if (isShard) process.once('disconnect', () => shutdown('manager gone'));
} catch (err) {
  // One line for the operator, not a stack trace; secrets are redacted.
  const reason = err instanceof Error ? err.message : String(err);
  process.stderr.write(redact(`Parley could not start: ${reason}`) + '\n');
  process.exit(1);
}
