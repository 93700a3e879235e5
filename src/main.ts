/**
 * `npm start`: read the configuration, start the bot, stop cleanly on SIGINT/SIGTERM.
 */
import dotenv from 'dotenv';
import { startBot } from './bot.ts';
import { formatConfigProblems, parseConfig } from './config.ts';
import { createLogger, redact } from './log.ts';

dotenv.config({ quiet: true });
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  process.stderr.write(formatConfigProblems(parsed.problems) + '\n');
  process.exit(1);
}
const log = createLogger(parsed.config.logLevel);

try {
  const bot = await startBot(parsed.config, { log });
  const shutdown = (signal: string) => {
    log.info('shutting down', { signal });
    bot.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
} catch (err) {
  // One line for the operator, not a stack trace; secrets are redacted.
  const reason = err instanceof Error ? err.message : String(err);
  process.stderr.write(redact(`Parley could not start: ${reason}`) + '\n');
  process.exit(1);
}
