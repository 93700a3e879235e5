import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/conversation/store.ts';
import { DEFAULT_PRICES, estimateCostUsd } from '../../../src/cost/prices.ts';
import { HistoryCompactor } from '../../../src/listen/transcribe-old-turns.ts';
import { createLogger } from '../../../src/log.ts';
import { FakeOpenAI } from '../../harness/openai/index.ts';
import { assistantTurn, CHANNEL_ID, GUILD_ID, makeTempDir, removeTempDirs, userTurn, wavOfSilence } from '../conversation/fixtures.ts';

describe('HistoryCompactor', () => {
  let fake: FakeOpenAI;
  let store: SqliteStore;
  const transcriptions = () => fake.requests.filter((r) => r.path === '/v1/audio/transcriptions');
  const compactor = (audioTurnsKept: number, shutdown?: AbortSignal) =>
    new HistoryCompactor({
      shutdown,
      config: { transcribeModel: 'gpt-4o-mini-transcribe', audioTurnsKept, prices: DEFAULT_PRICES },
      store,
      openai: new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseURL, maxRetries: 0 }),
      log: createLogger('error', () => undefined),
    });
  /** A spoken turn (audio, no text) and its answer, `index` ms apart so the order is fixed. */
  const spokenExchange = async (index: number) => {
    const user = userTurn({ text: undefined, audio: { format: 'wav', data: wavOfSilence(1_000), durationMs: 1_000 }, createdAt: 1_700_000_000_000 + index * 10 });
    await store.appendExchange(user, assistantTurn({ createdAt: user.createdAt + 1 }));
    return user;
  };

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  afterEach(() => {
    store?.close();
    removeTempDirs();
    fake.requests.length = 0;
  });

  it('transcribes each old turn once when passes are asked for together, and bills every transcription', async () => {
    store = SqliteStore.open(makeTempDir());
    const turns = [];
    for (const index of [0, 1, 2, 3]) turns.push(await spokenExchange(index));
    const compact = compactor(1);
    await Promise.all([compact.compact(CHANNEL_ID), compact.compact(CHANNEL_ID), compact.compact(CHANNEL_ID)]);
    expect(transcriptions()).toHaveLength(3);
    const history = (await store.history(CHANNEL_ID)).filter((t) => t.kind === 'user');
    expect(history.map((t) => t.kind === 'user' && t.audio !== undefined)).toEqual([false, false, false, true]);
    expect(history[3]!.id).toBe(turns[3]!.id);

    const usage = await store.usageSummary(GUILD_ID, 0);
    expect(usage.turns).toBe(3);
    // The fake bills 1 s of audio as 10 audio tokens and its default text at 1 token per 4 characters.
    const reported = transcriptions().map((r) => r.reportedUsage as { input_tokens: number; output_tokens: number });
    const expected = reported.reduce(
      (sum, u) => sum + estimateCostUsd('gpt-4o-mini-transcribe', { textIn: 0, audioIn: u.input_tokens, cachedIn: 0, textOut: u.output_tokens, audioOut: 0 }),
      0,
    );
    expect(usage.costUsd).toBeCloseTo(expected, 12);
    expect(usage.byUser).toEqual([{ userId: 'user-ana', costUsd: usage.costUsd, turns: 3 }]);
  });

  it('transcribes a named recording at once, whatever its age, and drains', async () => {
    store = SqliteStore.open(makeTempDir());
    const recording = await spokenExchange(0);
    const compact = compactor(4);
    void compact.compact(CHANNEL_ID, [recording.id]);
    expect(await compact.drain(5_000)).toBe(true);
    expect(transcriptions()).toHaveLength(1);
    const stored = (await store.history(CHANNEL_ID)).find((t) => t.id === recording.id);
    expect(stored?.kind === 'user' && stored.audio).toBeFalsy();
    expect(stored?.kind === 'user' && stored.transcript).toMatch(/\w/);
  });

  it('gives up waiting at the drain deadline while a transcription hangs (shutdown stays bounded)', async () => {
    store = SqliteStore.open(makeTempDir());
    await spokenExchange(0);
    await spokenExchange(1);
    fake.scriptTranscription({ text: 'never arrives', fault: { kind: 'stall', afterChunks: 0 } });
    const compact = compactor(1);
    void compact.compact(CHANNEL_ID);
    await expect.poll(() => transcriptions().length).toBe(1);
    const started = performance.now();
    expect(await compact.drain(300)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('starts no transcription once the bot is shutting down', async () => {
    store = SqliteStore.open(makeTempDir());
    await spokenExchange(0);
    await spokenExchange(1);
    await compactor(0, AbortSignal.abort()).compact(CHANNEL_ID);
    expect(transcriptions()).toHaveLength(0);
    expect((await store.history(CHANNEL_ID)).filter((t) => t.kind === 'user' && t.audio)).toHaveLength(2);
  });
});
