/**
 * `npm run deploy-commands`: register the slash commands without starting the bot.
 */
import dotenv from 'dotenv';
import { formatConfigProblems, parseConfig } from './config.ts';
import { createRest, registerCommands } from './discord/deploy.ts';
import { loadCommands } from './discord/loader.ts';
import { redact } from './log.ts';

dotenv.config({ quiet: true });
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  process.stderr.write(formatConfigProblems(parsed.problems) + '\n');
  process.exit(1);
}
try {
  const commands = await loadCommands();
  console.log(await registerCommands(createRest(parsed.config), parsed.config, commands));
} catch (err) {
  process.stderr.write(redact(`Could not register commands: ${err instanceof Error ? err.message : String(err)}`) + '\n');
  process.exit(1);
}
