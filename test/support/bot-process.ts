/**
 * Parley as `npm start` runs it, in a child process: `node src/main.ts` on the project's Node (the one
 * running the tests), with an environment of our choosing (the loopback fakes, a temp DATA_DIR, the
 * fake's certificate for the voice wss), its stdout JSON log lines and its stderr captured. For drills
 * that need a real process: signals, exit codes, start-up failures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FakeDiscord } from '../harness/discord/index.ts';
import type { FakeOpenAI } from '../harness/openai/index.ts';

/** The entry point `npm start` runs. */
export const MAIN_PATH = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
/** node:sqlite is experimental in Node 22: its warning is not what a drill looks at. */
const NODE_ARGS = ['--disable-warning=ExperimentalWarning', MAIN_PATH];
const DEFAULT_WAIT_MS = 20_000;

/** One parsed JSON log line of the bot. */
export type LogEntry = Record<string, unknown> & { level?: string; msg?: string };

/** How the process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** The whole environment of the child (nothing is inherited but PATH). */
  env: Record<string, string>;
  /** Working directory; a temp dir keeps a developer's .env out of the drill. */
  cwd: string;
  /** Extra node flags before the script (e.g. --inspect for a profiler). */
  nodeArgs?: string[];
}

/**
 * The environment that points a bot process at the fakes: tokens, API bases, the voice certificate
 * (NODE_EXTRA_CA_CERTS, read at start-up), DATA_DIR, debug logs, no cooldown. `extra` wins.
 */
export function fakeEnvironment(discord: FakeDiscord, openai: FakeOpenAI, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DISCORD_TOKEN: discord.botToken,
    DISCORD_CLIENT_ID: discord.applicationId,
    DISCORD_API_BASE: discord.apiBase,
    OPENAI_API_KEY: openai.apiKey,
    OPENAI_BASE_URL: openai.baseURL,
    NODE_EXTRA_CA_CERTS: discord.caCertPath,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    PARLEY_COOLDOWN_SECONDS: '0',
    ...extra,
  };
}

/** A running (or finished) bot process. */
export class BotProcess {
  readonly child: ChildProcess;
  /** Complete stdout lines so far. */
  readonly stdoutLines: string[] = [];
  stderr = '';
  /** Set once the process exited. */
  exit: Exit | undefined;
  readonly startedAt = performance.now();
  readonly #exited: Promise<Exit>;
  #partial = '';

  private constructor(child: ChildProcess) {
    this.child = child;
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (this.#partial + chunk).split('\n');
      this.#partial = lines.pop() ?? '';
      this.stdoutLines.push(...lines.filter((line) => line !== ''));
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.#exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        if (this.#partial) this.stdoutLines.push(this.#partial);
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** Starts `node src/main.ts` with exactly `env` (plus PATH). */
  static start(options: SpawnOptions): BotProcess {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...NODE_ARGS], {
      cwd: options.cwd,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new BotProcess(child);
  }

  /** Runs the bot until it exits by itself (start-up failures), killing it after `timeoutMs`. */
  static async runToExit(options: SpawnOptions, timeoutMs = DEFAULT_WAIT_MS): Promise<BotProcess> {
    const bot = BotProcess.start(options);
    await bot.waitForExit(timeoutMs).finally(() => bot.kill('SIGKILL'));
    return bot;
  }

  /** stdout lines that are JSON log entries. */
  logs(): LogEntry[] {
    return this.stdoutLines.flatMap((line) => {
      try {
        return [JSON.parse(line) as LogEntry];
      } catch {
        return [];
      }
    });
  }

  /** The first log entry (already written or to come) matching `predicate`. */
  async waitForLog(predicate: (entry: LogEntry) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<LogEntry> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.logs().find(predicate);
      if (found) return found;
      if (this.exit) throw new Error(`the bot exited (${JSON.stringify(this.exit)}) before the log line came; stderr: ${this.stderr}`);
      if (performance.now() > deadline) throw new Error(`no matching log line within ${timeoutMs} ms; last lines:\n${this.stdoutLines.slice(-5).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Sends a signal; false when the process is already gone. */
  kill(signal: NodeJS.Signals): boolean {
    return this.exit === undefined && this.child.kill(signal);
  }

  /** Resolves with the exit, or rejects after `timeoutMs` (the process keeps running). */
  waitForExit(timeoutMs = DEFAULT_WAIT_MS): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the bot did not exit within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
    });
    return Promise.race([this.#exited, timeout]).finally(() => clearTimeout(timer));
  }

  /** For cleanup: SIGTERM, then SIGKILL if it lingers. Never throws. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exit) return;
    this.kill('SIGTERM');
    await this.waitForExit(graceMs).catch(() => {
      this.kill('SIGKILL');
      return this.#exited;
    });
  }
}
