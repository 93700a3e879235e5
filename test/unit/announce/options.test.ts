import { describe, expect, it } from 'vitest';
import { ANNOUNCE_STYLE_MAX_CHARS, ANNOUNCE_TEXT_MAX_CHARS, parseAnnounceOptions, type RawAnnounceOptions } from '../../../src/announce/checks.ts';
import { announcementMessages } from '../../../src/announce/post-text.ts';
import { finishedReply } from '../../../src/announce/replies.ts';
import { readAloudMessages } from '../../../src/announce/voicing.ts';
import { UserError } from '../../../src/errors.ts';

const raw = (options: Partial<RawAnnounceOptions>): RawAnnounceOptions => ({
  text: 'Hello.', voice: null, style: null, speed: null, post: null, preview: null, ...options,
});

describe('parseAnnounceOptions', () => {
  it('normalizes: trimmed text and style, speed 1, post and preview off, voice left to the settings', () => {
    expect(parseAnnounceOptions(raw({ text: '  Hi all.  ', style: '  ' }))).toEqual({ text: 'Hi all.', voice: undefined, style: undefined, speed: 1, post: false, preview: false });
    expect(parseAnnounceOptions(raw({ voice: 'Coral', style: ' calm ', speed: 0.25, post: true }))).toMatchObject({ voice: 'coral', style: 'calm', speed: 0.25, post: true });
    expect(parseAnnounceOptions(raw({ voice: 'voice_abc123' })).voice).toEqual({ id: 'voice_abc123' });
  });

  it('refuses empty or over-long text, an over-long style, a speed out of 0.25..4 and an unknown voice', () => {
    const problem = (options: Partial<RawAnnounceOptions>) => {
      try {
        parseAnnounceOptions(raw(options));
      } catch (err) {
        expect(err).toBeInstanceOf(UserError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(problem({ text: ' \n ' })).toMatch(/empty/);
    expect(problem({ text: null })).toMatch(/empty/);
    expect(problem({ text: 'x'.repeat(ANNOUNCE_TEXT_MAX_CHARS + 1) })).toMatch(/20,001 characters, the limit is 20,000/);
    expect(problem({ style: 'y'.repeat(ANNOUNCE_STYLE_MAX_CHARS + 1) })).toMatch(/limit is 1,000/);
    for (const speed of [0.2, 4.5, Number.NaN]) expect(problem({ speed })).toMatch(/from 0.25 to 4/);
    expect(problem({ voice: 'robot' })).toMatch(/Unknown voice/);
    expect(parseAnnounceOptions(raw({ text: 'x'.repeat(ANNOUNCE_TEXT_MAX_CHARS) })).text).toHaveLength(ANNOUNCE_TEXT_MAX_CHARS);
  });
});

describe('announcementMessages', () => {
  it('puts a header naming the moderator before the escaped text', async () => {
    expect(await announcementMessages('**Big** news_here', '42')).toEqual(['📢 Announcement from <@42>:\n\\*\\*Big\\*\\* news\\_here']);
  });

  it('splits 20,000 characters into messages of at most 2,000 characters, quickly, losing nothing', async () => {
    const text = 'Stars *shine* bright. '.repeat(909).trim();
    const started = performance.now();
    const messages = await announcementMessages(text, '42');
    const ms = performance.now() - started;
    console.log(`announce post: ${text.length} characters in ${messages.length} messages, escaped in ${ms.toFixed(0)} ms`);
    expect(messages.every((m) => m.length <= 2_000)).toBe(true);
    expect(messages.join(' ').replace('📢 Announcement from <@42>:\n', '').replace(/\\/g, '')).toBe(text);
  });
});

describe('readAloudMessages', () => {
  it('asks for a verbatim reading, with the style and pace as delivery notes, and the text alone as the user message', () => {
    const [system, user] = readAloudMessages('Doors close at nine.', { voice: 'marin', style: 'Cheerful.', speed: 1.5 });
    expect(system).toMatchObject({ role: 'system' });
    expect(String(system!.content)).toMatch(/exactly as written, word for word/);
    expect(String(system!.content)).toContain('Delivery: Cheerful.');
    expect(String(system!.content)).toContain('1.5 times');
    expect(user).toEqual({ role: 'user', content: 'Doors close at nine.' });
    expect(String(readAloudMessages('x', { voice: 'marin', speed: 1 })[0]!.content)).not.toMatch(/Delivery|times/);
  });
});

describe('finishedReply', () => {
  const base = { parts: 2, completeParts: 2, playedMs: 12_340, backend: 'speech:gpt-4o-mini-tts', stopped: false };
  it('says where, how long and in how many parts', () => {
    expect(finishedReply('7', base)).toBe('📢 Announced in <#7> (12.3 s, 2 parts).');
  });
  it('says when it was cut off and why, and when the text could not be posted', () => {
    const cut = finishedReply('7', { ...base, completeParts: 1, cutReason: 'part 2 of 2 failed', failure: 'OpenAI is having trouble right now. Please try again in a minute.', postProblem: "I couldn't post the text in Lounge's chat." });
    expect(cut).toBe("⚠️ The announcement in <#7> was cut off after 12.3 s (1 of 2 parts complete). OpenAI is having trouble right now. Please try again in a minute.\nI couldn't post the text in Lounge's chat.");
    expect(finishedReply('7', { ...base, stopped: true, cutReason: 'playback stopped' })).toMatch(/stopped after 12.3 s/);
  });
});
