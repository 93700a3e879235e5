/**
 * The bot alone in its own process, as `npm start` runs it, pointed at the fakes that run in the
 * benchmark's process: its CPU (every thread, codec threads included) and resident memory come from
 * Linux /proc, and its main thread's CPU profile from the inspector it opens on loopback.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { BotProcess, fakeEnvironment } from '../test/support/bot-process.ts';
import type { FakeDiscord } from '../test/harness/discord/index.ts';
import type { FakeOpenAI } from '../test/harness/openai/index.ts';
import type { CpuProfile } from './cpu-profile.ts';
import { pollUntil } from './timing.ts';

/** Linux reports /proc CPU times in USER_HZ ticks, 100 per second on every mainstream kernel. */
const TICKS_PER_SECOND = 100;
const INSPECTOR_URL = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/;

/** CPU seconds of one process, split into its main thread and every other thread. */
export interface ThreadCpu {
  mainS: number;
  otherS: number;
}

/** user + system seconds from a /proc/.../stat line (fields 14 and 15, after the parenthesised name). */
function statSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export class BotChild {
  readonly process: BotProcess;
  private readonly dataDir: string;

  private constructor(process: BotProcess, dataDir: string) {
    this.process = process;
    this.dataDir = dataDir;
  }

  /** Starts the bot (production log level) and waits until it is logged in to the fake Discord. */
  static async start(discord: FakeDiscord, openai: FakeOpenAI): Promise<BotChild> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-'));
    const env = fakeEnvironment(discord, openai, dataDir, { LOG_LEVEL: 'info' });
    const bot = new BotChild(BotProcess.start({ env, cwd: dataDir, nodeArgs: ['--inspect=127.0.0.1:0'] }), dataDir);
    await discord.waitForBotReady();
    return bot;
  }

  get pid(): number {
    return this.process.child.pid!;
  }

  /** CPU used so far by every thread of the bot, and by its main thread alone. */
  cpu(): ThreadCpu {
    const dir = `/proc/${this.pid}/task`;
    let mainS = 0;
    let totalS = 0;
    for (const tid of readdirSync(dir)) {
      try {
        const seconds = statSeconds(readFileSync(`${dir}/${tid}/stat`, 'utf8'));
        totalS += seconds;
        if (Number(tid) === this.pid) mainS = seconds;
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return { mainS, otherS: totalS - mainS };
  }

  /** Resident memory now, in bytes. */
  rss(): number {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1_024 : NaN;
  }

  /** Samples the bot's main thread with V8's profiler for `ms`. */
  async profile(ms: number): Promise<CpuProfile> {
    await pollUntil(() => INSPECTOR_URL.test(this.process.stderr), 5_000, 'the bot to open its inspector', 50);
    const socket = new WebSocket(INSPECTOR_URL.exec(this.process.stderr)![1]!);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    let nextId = 1;
    const waiting = new Map<number, (result: unknown) => void>();
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (message.id !== undefined) waiting.get(message.id)?.(message.result);
    });
    const call = (method: string, params: object = {}): Promise<unknown> =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      });
    try {
      await call('Profiler.enable');
      await call('Profiler.setSamplingInterval', { interval: 1_000 });
      await call('Profiler.start');
      await new Promise((resolve) => setTimeout(resolve, ms));
      const { profile } = (await call('Profiler.stop')) as { profile: CpuProfile };
      return profile;
    } finally {
      socket.close();
    }
  }

  /** Drops the log lines collected so far (the parent keeps every line otherwise). */
  forgetLogs(): void {
    this.process.stdoutLines.length = 0;
  }

  async stop(): Promise<void> {
    await this.process.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
