import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/conversation/store.ts';
import { DEFAULT_GUILD_SETTINGS } from '../../../src/conversation/types.ts';
import { assistantTurn, CHANNEL_ID, GUILD_ID, tokens, userTurn, wavOfSilence } from './fixtures.ts';

/** Opens a fresh, empty store for one test; `close` is called after it. */
export interface StoreUnderTest {
  open(): Promise<Store>;
  /** Reopens the same database (a restart), after the first store was closed. */
  reopen(): Promise<Store>;
  /** Restarts the database server, if it is one, while no store is open. */
  restartServer?(): Promise<void>;
  cleanup?(): Promise<void> | void;
}

/**
 * What every {@link Store} must do, whatever the database: the same tests run against SQLite and
 * PostgreSQL.
 */
export function describeStoreContract(name: string, backend: StoreUnderTest): void {
  describe(`${name} store contract`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await backend.open();
    });
    afterEach(async () => {
      await store.close();
      await backend.cleanup?.();
    });

    describe('conversation turns', () => {
      it('returns the newest turns oldest first, per channel', async () => {
        for (let index = 0; index < 5; index++) {
          await store.appendExchange(userTurn({ text: `q${index}` }), assistantTurn({ transcript: `a${index}` }));
        }
        await store.appendTurn(userTurn({ channelId: 'text-9', text: 'elsewhere' }));

        const all = await store.history(CHANNEL_ID, Infinity);
        expect(all).toHaveLength(10);
        const lastThree = (await store.history(CHANNEL_ID, 3)).map((turn) => (turn.kind === 'user' ? turn.text : turn.transcript));
        expect(lastThree).toEqual(['a3', 'q4', 'a4']);
        expect(await store.history('text-9')).toHaveLength(1);
      });

      it('resetConversation removes only that channel and reports how many turns went', async () => {
        await store.appendExchange(userTurn(), assistantTurn());
        await store.appendTurn(userTurn({ channelId: 'text-9' }));
        expect(await store.resetConversation(CHANNEL_ID)).toBe(2);
        expect(await store.history(CHANNEL_ID)).toEqual([]);
        expect(await store.history('text-9')).toHaveLength(1);
        expect(await store.resetConversation(CHANNEL_ID)).toBe(0);
      });

      it('keeps usage rows after a reset so budgets still count them', async () => {
        await store.appendExchange(userTurn(), assistantTurn(), { model: 'm', userId: 'user-ana', tokens: tokens() });
        await store.resetConversation(CHANNEL_ID);
        expect((await store.usageSummary(GUILD_ID, 0)).turns).toBe(1);
      });

      it('fills in a transcript later and drops the recording but keeps text and transcript', async () => {
        const audio = { format: 'mp3' as const, data: Buffer.from([1, 2, 3, 4]), durationMs: 900 };
        const turn = userTurn({ text: 'caption', audio });
        await store.appendTurn(turn);

        expect(await store.setUserTranscript(turn.id, 'what was said')).toBe(true);
        expect(await store.history(CHANNEL_ID)).toEqual([{ ...turn, transcript: 'what was said' }]);

        expect(await store.dropUserAudio(turn.id)).toBe(true);
        expect(await store.dropUserAudio(turn.id)).toBe(false);
        const [stored] = await store.history(CHANNEL_ID);
        expect(stored).toEqual({ ...turn, audio: undefined, transcript: 'what was said' });
        expect(stored && 'audio' in stored).toBe(false);
      });

      it('ignores transcripts for turns that no longer exist or are not user turns', async () => {
        const answer = assistantTurn();
        await store.appendTurn(answer);
        expect(await store.setUserTranscript('missing', 'x')).toBe(false);
        expect(await store.setUserTranscript(answer.id, 'x')).toBe(false);
        expect(await store.history(CHANNEL_ID)).toEqual([answer]);
      });

      it('drops recordings older than a cutoff', async () => {
        const audio = () => ({ format: 'wav' as const, data: wavOfSilence(100), durationMs: 100 });
        await store.appendTurn(userTurn({ audio: audio(), createdAt: 1_000 }));
        await store.appendTurn(userTurn({ audio: audio(), createdAt: 5_000 }));
        expect(await store.dropUserAudioBefore(2_000)).toBe(1);
        const kept = (await store.history(CHANNEL_ID)).map((turn) => turn.kind === 'user' && turn.audio !== undefined);
        expect(kept).toEqual([false, true]);
      });

      it('stores an interrupted answer without audio id as such', async () => {
        const answer = assistantTurn({ status: 'interrupted', transcript: 'I was say' });
        await store.appendExchange(userTurn(), answer);
        expect((await store.history(CHANNEL_ID))[1]).toEqual(answer);
      });

      it('refuses an exchange split across channels before writing anything', async () => {
        await expect(store.appendExchange(userTurn(), assistantTurn({ channelId: 'other' }))).rejects.toThrow(RangeError);
        expect(await store.history(CHANNEL_ID)).toEqual([]);
      });
    });

    describe('guild settings', () => {
      it('returns defaults for an unknown guild', async () => {
        expect(await store.getSettings('nobody')).toEqual(DEFAULT_GUILD_SETTINGS);
      });

      it('merges patches, round-trips both voice shapes, and resets keys given as undefined', async () => {
        expect(await store.updateSettings(GUILD_ID, { voice: 'alloy', bargeIn: false })).toEqual({ voice: 'alloy', bargeIn: false });
        expect(await store.updateSettings(GUILD_ID, { persona: 'Pirate.' })).toEqual({ voice: 'alloy', persona: 'Pirate.', bargeIn: false });
        expect(await store.getSettings(GUILD_ID)).toEqual({ voice: 'alloy', persona: 'Pirate.', bargeIn: false });

        await store.updateSettings(GUILD_ID, { voice: { id: 'voice_custom' } });
        expect((await store.getSettings(GUILD_ID)).voice).toEqual({ id: 'voice_custom' });

        expect(await store.updateSettings(GUILD_ID, { persona: undefined, bargeIn: true })).toEqual({
          voice: { id: 'voice_custom' },
          bargeIn: true,
        });
        expect(await store.getSettings('guild-2')).toEqual(DEFAULT_GUILD_SETTINGS);
      });
    });

    describe('usage', () => {
      it('sums tokens and cost since a time, per guild, most expensive user first', async () => {
        const usage = (userId: string, costUsd: number) => ({ model: 'gpt-audio', userId, tokens: tokens(), costUsd });
        await store.appendExchange(userTurn({ createdAt: 1_000 }), assistantTurn({ createdAt: 1_000 }), usage('old', 5));
        await store.appendExchange(userTurn({ createdAt: 10_000 }), assistantTurn({ createdAt: 10_000 }), usage('ana', 0.25));
        await store.appendExchange(userTurn({ createdAt: 11_000 }), assistantTurn({ createdAt: 11_000 }), usage('bo', 1));
        await store.appendTurn(assistantTurn({ createdAt: 12_000 }), usage('ana', 0.5));
        await store.recordUsage({ guildId: GUILD_ID, userId: 'ana', model: 'whisper', tokens: tokens({ audioIn: 7 }), createdAt: 13_000 });
        await store.recordUsage({ guildId: 'guild-2', userId: 'ana', model: 'm', tokens: tokens(), costUsd: 9, createdAt: 13_000 });

        const summary = await store.usageSummary(GUILD_ID, 10_000);
        expect(summary.turns).toBe(4);
        expect(summary.tokens).toEqual({ textIn: 400, audioIn: 157, cachedIn: 40, textOut: 80, audioOut: 800 });
        expect(summary.costUsd).toBeCloseTo(1.75, 10);
        expect(summary.byUser).toEqual([
          { userId: 'bo', costUsd: 1, turns: 1 },
          { userId: 'ana', costUsd: 0.75, turns: 3 },
        ]);
      });

      it('reports zeros for a guild without usage', async () => {
        expect(await store.usageSummary('quiet', 0)).toEqual({
          turns: 0,
          tokens: { textIn: 0, audioIn: 0, cachedIn: 0, textOut: 0, audioOut: 0 },
          costUsd: 0,
          estimatedCalls: 0,
          byUser: [],
        });
      });
    });

    describe('spend series and speculative starts', () => {
      it('sums spend per UTC day, counts what this store wrote, and keeps a talk mode', async () => {
        const DAY = 86_400_000;
        const day0 = 20_000 * DAY;
        const usage = (costUsd: number) => ({ model: 'gpt-audio', userId: 'ana', tokens: tokens(), costUsd });
        await store.appendExchange(userTurn({ createdAt: day0 + 1_000 }), assistantTurn({ createdAt: day0 + 1_000 }), usage(0.25));
        await store.recordUsage({ guildId: GUILD_ID, userId: 'bo', model: 'm', tokens: tokens(), costUsd: 0.5, createdAt: day0 + DAY - 1 });
        await store.recordUsage({ guildId: GUILD_ID, userId: 'bo', model: 'm', tokens: tokens(), costUsd: 2, createdAt: day0 + 2 * DAY });
        await store.recordUsage({ guildId: 'guild-2', userId: 'bo', model: 'm', tokens: tokens(), costUsd: 9, createdAt: day0 });
        const days = await store.dailySpend(GUILD_ID, day0);
        expect(days.map((d) => d.day)).toEqual([day0, day0 + 2 * DAY]);
        expect(days[0]!.costUsd).toBeCloseTo(0.75, 10);
        expect(days[1]!.costUsd).toBeCloseTo(2, 10);
        expect(store.spentSinceOpenUsd()).toBeCloseTo(11.75, 10);
        expect((await store.updateSettings(GUILD_ID, { talkMode: 'addressed' })).talkMode).toBe('addressed');
        expect((await store.getSettings(GUILD_ID)).talkMode).toBe('addressed');
      });

      it('counts speculative starts and the wasted ones since a time, per guild', async () => {
        await store.recordSpeculativeStart(GUILD_ID, true, 1_000);
        await store.recordSpeculativeStart(GUILD_ID, false, 5_000);
        await store.recordSpeculativeStart(GUILD_ID, true, 6_000);
        await store.recordSpeculativeStart('guild-2', true, 6_000);
        expect(await store.speculativeStarts(GUILD_ID, 2_000)).toEqual({ started: 2, wasted: 1 });
        expect(await store.speculativeStarts('quiet', 0)).toEqual({ started: 0, wasted: 0 });
      });
    });

    describe('estimated usage', () => {
      it('keeps estimated usage (an answer cut before its usage chunk) apart from reported usage', async () => {
        const usage = { model: 'gpt-audio', userId: 'ana', tokens: tokens(), costUsd: 0.5 };
        await store.appendExchange(userTurn({ createdAt: 20_000 }), assistantTurn({ createdAt: 20_000, status: 'interrupted' }), { ...usage, estimated: true });
        await store.appendExchange(userTurn({ createdAt: 21_000 }), assistantTurn({ createdAt: 21_000 }), usage);
        const summary = await store.usageSummary(GUILD_ID, 20_000);
        expect(summary).toMatchObject({ turns: 2, estimatedCalls: 1 });
        expect(summary.costUsd).toBeCloseTo(1, 10);
      });
    });

    describe('announcements', () => {
      it('lists a guild’s newest announcements oldest first', async () => {
        for (let index = 0; index < 3; index++) {
          await store.recordAnnouncement({ guildId: GUILD_ID, channelId: CHANNEL_ID, userId: 'ana', text: `n${index}`, backend: 'openai-tts', createdAt: index });
        }
        await store.recordAnnouncement({ guildId: 'guild-2', channelId: 'c', userId: 'bo', text: 'other', backend: 'openai-tts', createdAt: 9 });

        expect((await store.announcements(GUILD_ID)).map((entry) => entry.text)).toEqual(['n0', 'n1', 'n2']);
        const [latest] = await store.announcements(GUILD_ID, 1);
        expect(latest).toMatchObject({ guildId: GUILD_ID, channelId: CHANNEL_ID, userId: 'ana', text: 'n2', backend: 'openai-tts', createdAt: 2 });
        expect(typeof latest?.id).toBe('number');
      });

      it('keeps what an announcement played: audio heard, why it ended, readings that strayed', async () => {
        const deviations = [{ attempt: 1, heard: 'Hello every one' }];
        await store.recordAnnouncement({ guildId: GUILD_ID, channelId: CHANNEL_ID, userId: 'ana', text: 'Hello everyone', backend: 'realtime:m', createdAt: 5, playedMs: 1_234.5, cutReason: 'stopped', deviations });
        await store.recordAnnouncement({ guildId: GUILD_ID, channelId: CHANNEL_ID, userId: 'ana', text: 'plain', backend: 'speech:m', createdAt: 6 });
        const [audited, plain] = await store.announcements(GUILD_ID);
        expect(audited).toMatchObject({ playedMs: 1_234.5, cutReason: 'stopped', deviations });
        expect(plain).not.toHaveProperty('playedMs');
        expect(plain).not.toHaveProperty('deviations');
      });
    });

    describe('restarts and several writers', () => {
      it('keeps conversations, settings and usage across a restart (of the server too, if there is one)', async () => {
        const user = userTurn({ text: 'remember me' });
        const answer = assistantTurn({ transcript: 'I will', audioId: 'audio_1', audioExpiresAt: 1_800_000_000 });
        await store.appendExchange(user, answer, { model: 'gpt-audio', userId: user.speakerId, tokens: tokens(), costUsd: 0.01 });
        await store.updateSettings(GUILD_ID, { persona: 'You are terse.', voice: { id: 'voice_123' } });
        await store.close();
        await store.close(); // closing twice is harmless

        await backend.restartServer?.();
        store = await backend.reopen();
        expect(await store.history(CHANNEL_ID)).toEqual([user, answer]);
        expect(await store.getSettings(GUILD_ID)).toEqual({ persona: 'You are terse.', voice: { id: 'voice_123' }, bargeIn: true });
        expect((await store.usageSummary(GUILD_ID, 0)).costUsd).toBeCloseTo(0.01, 10);
      });

      it('writes neither turn when the usage row violates a constraint, and stays usable', async () => {
        const badUsage = { model: 'gpt-audio', userId: 'user-ana', tokens: tokens({ textIn: -1 }) };
        await expect(store.appendExchange(userTurn(), assistantTurn(), badUsage)).rejects.toThrow();
        expect(await store.history(CHANNEL_ID)).toEqual([]);
        expect((await store.usageSummary(GUILD_ID, 0)).turns).toBe(0);
        await store.appendExchange(userTurn(), assistantTurn());
        expect(await store.history(CHANNEL_ID)).toHaveLength(2);
      });

      it('loses no usage or settings change when two connections write at once', async () => {
        const other = await backend.reopen();
        try {
          const usage = (userId: string) => ({ guildId: GUILD_ID, userId, model: 'gpt-audio', tokens: tokens(), costUsd: 0.5, createdAt: 20_000 });
          const writes: Promise<unknown>[] = [];
          for (let index = 0; index < 20; index++) {
            writes.push(store.recordUsage(usage('ana')), other.recordUsage(usage('bo')));
            writes.push(store.updateSettings(GUILD_ID, { voice: `v${index}` }), other.updateSettings(GUILD_ID, { persona: `p${index}` }));
            writes.push(store.appendExchange(userTurn(), assistantTurn()), other.appendExchange(userTurn(), assistantTurn()));
          }
          await Promise.all(writes);
          const summary = await other.usageSummary(GUILD_ID, 0);
          expect(summary.turns).toBe(40);
          expect(summary.costUsd).toBeCloseTo(20, 10);
          // Each connection's last patch survives: neither overwrote the other's key with a stale read.
          expect(await store.getSettings(GUILD_ID)).toEqual({ voice: 'v19', persona: 'p19', bargeIn: true });
          const turns = await store.history(CHANNEL_ID, Infinity);
          expect(turns).toHaveLength(80);
          turns.forEach((turn, index) => expect(turn.kind).toBe(index % 2 === 0 ? 'user' : 'assistant'));
        } finally {
          await other.close();
        }
      });
    });
  });
}
