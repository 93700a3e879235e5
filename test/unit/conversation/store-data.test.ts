import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/conversation/store.ts';
import { DEFAULT_GUILD_SETTINGS } from '../../../src/conversation/types.ts';
import { assistantTurn, CHANNEL_ID, GUILD_ID, makeTempDir, removeTempDirs, tokens, userTurn, wavOfSilence } from './fixtures.ts';

let store: SqliteStore;
beforeEach(() => {
  store = SqliteStore.open(makeTempDir());
});
afterEach(() => {
  store.close();
  removeTempDirs();
});

describe('conversation turns', () => {
  it('returns the newest turns oldest first, per channel', () => {
    for (let index = 0; index < 5; index++) {
      store.appendExchange(userTurn({ text: `q${index}` }), assistantTurn({ transcript: `a${index}` }));
    }
    store.appendTurn(userTurn({ channelId: 'text-9', text: 'elsewhere' }));

    const all = store.history(CHANNEL_ID, Infinity);
    expect(all).toHaveLength(10);
    const lastThree = store.history(CHANNEL_ID, 3).map((turn) => (turn.kind === 'user' ? turn.text : turn.transcript));
    expect(lastThree).toEqual(['a3', 'q4', 'a4']);
    expect(store.history('text-9')).toHaveLength(1);
  });

  it('resetConversation removes only that channel and reports how many turns went', () => {
    store.appendExchange(userTurn(), assistantTurn());
    store.appendTurn(userTurn({ channelId: 'text-9' }));
    expect(store.resetConversation(CHANNEL_ID)).toBe(2);
    expect(store.history(CHANNEL_ID)).toEqual([]);
    expect(store.history('text-9')).toHaveLength(1);
    expect(store.resetConversation(CHANNEL_ID)).toBe(0);
  });

  it('keeps usage rows after a reset so budgets still count them', () => {
    store.appendExchange(userTurn(), assistantTurn(), { model: 'm', userId: 'user-ana', tokens: tokens() });
    store.resetConversation(CHANNEL_ID);
    expect(store.usageSummary(GUILD_ID, 0).turns).toBe(1);
  });

  it('fills in a transcript later and drops the recording but keeps text and transcript', () => {
    const audio = { format: 'mp3' as const, data: Buffer.from([1, 2, 3, 4]), durationMs: 900 };
    const turn = userTurn({ text: 'caption', audio });
    store.appendTurn(turn);

    expect(store.setUserTranscript(turn.id, 'what was said')).toBe(true);
    expect(store.history(CHANNEL_ID)).toEqual([{ ...turn, transcript: 'what was said' }]);

    expect(store.dropUserAudio(turn.id)).toBe(true);
    expect(store.dropUserAudio(turn.id)).toBe(false);
    const [stored] = store.history(CHANNEL_ID);
    expect(stored).toEqual({ ...turn, audio: undefined, transcript: 'what was said' });
    expect(stored && 'audio' in stored).toBe(false);
  });

  it('ignores transcripts for turns that no longer exist or are not user turns', () => {
    const answer = assistantTurn();
    store.appendTurn(answer);
    expect(store.setUserTranscript('missing', 'x')).toBe(false);
    expect(store.setUserTranscript(answer.id, 'x')).toBe(false);
    expect(store.history(CHANNEL_ID)).toEqual([answer]);
  });

  it('drops recordings older than a cutoff', () => {
    const audio = () => ({ format: 'wav' as const, data: wavOfSilence(100), durationMs: 100 });
    store.appendTurn(userTurn({ audio: audio(), createdAt: 1_000 }));
    store.appendTurn(userTurn({ audio: audio(), createdAt: 5_000 }));
    expect(store.dropUserAudioBefore(2_000)).toBe(1);
    const kept = store.history(CHANNEL_ID).map((turn) => turn.kind === 'user' && turn.audio !== undefined);
    expect(kept).toEqual([false, true]);
  });

  it('stores an interrupted answer without audio id as such', () => {
    const answer = assistantTurn({ status: 'interrupted', transcript: 'I was say' });
    store.appendExchange(userTurn(), answer);
    expect(store.history(CHANNEL_ID)[1]).toEqual(answer);
  });

  it('refuses an exchange split across channels before writing anything', () => {
    expect(() => store.appendExchange(userTurn(), assistantTurn({ channelId: 'other' }))).toThrow(RangeError);
    expect(store.history(CHANNEL_ID)).toEqual([]);
  });
});

describe('guild settings', () => {
  it('returns defaults for an unknown guild', () => {
    expect(store.getSettings('nobody')).toEqual(DEFAULT_GUILD_SETTINGS);
  });

  it('merges patches, round-trips both voice shapes, and resets keys given as undefined', () => {
    expect(store.updateSettings(GUILD_ID, { voice: 'alloy', bargeIn: false })).toEqual({ voice: 'alloy', bargeIn: false });
    expect(store.updateSettings(GUILD_ID, { persona: 'Pirate.' })).toEqual({ voice: 'alloy', persona: 'Pirate.', bargeIn: false });
    expect(store.getSettings(GUILD_ID)).toEqual({ voice: 'alloy', persona: 'Pirate.', bargeIn: false });

    store.updateSettings(GUILD_ID, { voice: { id: 'voice_custom' } });
    expect(store.getSettings(GUILD_ID).voice).toEqual({ id: 'voice_custom' });

    expect(store.updateSettings(GUILD_ID, { persona: undefined, bargeIn: true })).toEqual({
      voice: { id: 'voice_custom' },
      bargeIn: true,
    });
    expect(store.getSettings('guild-2')).toEqual(DEFAULT_GUILD_SETTINGS);
  });
});

describe('usage', () => {
  it('sums tokens and cost since a time, per guild, most expensive user first', () => {
    const usage = (userId: string, costUsd: number) => ({ model: 'gpt-audio', userId, tokens: tokens(), costUsd });
    store.appendExchange(userTurn({ createdAt: 1_000 }), assistantTurn({ createdAt: 1_000 }), usage('old', 5));
    store.appendExchange(userTurn({ createdAt: 10_000 }), assistantTurn({ createdAt: 10_000 }), usage('ana', 0.25));
    store.appendExchange(userTurn({ createdAt: 11_000 }), assistantTurn({ createdAt: 11_000 }), usage('bo', 1));
    store.appendTurn(assistantTurn({ createdAt: 12_000 }), usage('ana', 0.5));
    store.recordUsage({ guildId: GUILD_ID, userId: 'ana', model: 'whisper', tokens: tokens({ audioIn: 7 }), createdAt: 13_000 });
    store.recordUsage({ guildId: 'guild-2', userId: 'ana', model: 'm', tokens: tokens(), costUsd: 9, createdAt: 13_000 });

    const summary = store.usageSummary(GUILD_ID, 10_000);
    expect(summary.turns).toBe(4);
    expect(summary.tokens).toEqual({ textIn: 400, audioIn: 157, cachedIn: 40, textOut: 80, audioOut: 800 });
    expect(summary.costUsd).toBeCloseTo(1.75, 10);
    expect(summary.byUser).toEqual([
      { userId: 'bo', costUsd: 1, turns: 1 },
      { userId: 'ana', costUsd: 0.75, turns: 3 },
    ]);
  });

  it('reports zeros for a guild without usage', () => {
    expect(store.usageSummary('quiet', 0)).toEqual({
      turns: 0,
      tokens: { textIn: 0, audioIn: 0, cachedIn: 0, textOut: 0, audioOut: 0 },
      costUsd: 0,
      estimatedCalls: 0,
      byUser: [],
    });
  });

  it('keeps estimated usage (an answer cut before its usage chunk) apart from reported usage', () => {
    const usage = { model: 'gpt-audio', userId: 'ana', tokens: tokens(), costUsd: 0.5 };
    store.appendExchange(userTurn({ createdAt: 20_000 }), assistantTurn({ createdAt: 20_000, status: 'interrupted' }), { ...usage, estimated: true });
    store.appendExchange(userTurn({ createdAt: 21_000 }), assistantTurn({ createdAt: 21_000 }), usage);
    const summary = store.usageSummary(GUILD_ID, 20_000);
    expect(summary).toMatchObject({ turns: 2, estimatedCalls: 1 });
    expect(summary.costUsd).toBeCloseTo(1, 10);
  });
});

describe('announcements', () => {
  it('lists a guild’s newest announcements oldest first', () => {
    for (let index = 0; index < 3; index++) {
      store.recordAnnouncement({ guildId: GUILD_ID, channelId: CHANNEL_ID, userId: 'ana', text: `n${index}`, backend: 'openai-tts', createdAt: index });
    }
    store.recordAnnouncement({ guildId: 'guild-2', channelId: 'c', userId: 'bo', text: 'other', backend: 'openai-tts', createdAt: 9 });

    expect(store.announcements(GUILD_ID).map((entry) => entry.text)).toEqual(['n0', 'n1', 'n2']);
    const [latest] = store.announcements(GUILD_ID, 1);
    expect(latest).toMatchObject({ guildId: GUILD_ID, channelId: CHANNEL_ID, userId: 'ana', text: 'n2', backend: 'openai-tts', createdAt: 2 });
    expect(typeof latest?.id).toBe('number');
  });
});
