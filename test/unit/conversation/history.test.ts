import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import {
  AUDIO_ID_SAFETY_MARGIN_S,
  buildMessages,
  isAssistantAudioNotFoundError,
  renderTurn,
  withTextInsteadOfAudioIds,
  type ChatMessage,
} from '../../../src/conversation/history.ts';
import type { Turn } from '../../../src/conversation/types.ts';
import { assistantTurn, userTurn, wavOfSilence } from './fixtures.ts';

const NOW_S = 1_700_000_000;
const BIG_BUDGET = 1_000_000;
const PERSONA = 'You are Parley.';

function build(turns: Turn[], options: { tokenBudget?: number; nowUnixS?: number } = {}): ChatMessage[] {
  return buildMessages({
    persona: PERSONA,
    turns,
    nowUnixS: options.nowUnixS ?? NOW_S,
    tokenBudget: options.tokenBudget ?? BIG_BUDGET,
    current: userTurn({ id: 'current', text: 'and now?' }),
  });
}

/** Compact view: role plus text, "audio:<id>" or "<input_audio>". */
function outline(messages: ChatMessage[]): string[] {
  return messages.map((message) => {
    if ('audio' in message) return `assistant audio:${message.audio.id}`;
    if (typeof message.content === 'string') return `${message.role} ${message.content}`;
    const parts = message.content.map((part) => (part.type === 'text' ? part.text : '<input_audio>'));
    return `${message.role} ${parts.join(' | ')}`;
  });
}

describe('buildMessages', () => {
  it('produces messages the OpenAI SDK accepts', () => {
    const messages: ChatCompletionMessageParam[] = build([userTurn(), assistantTurn()]);
    expect(messages.length).toBe(4);
  });

  it('starts with the persona and ends with the current turn', () => {
    const messages = build([]);
    expect(outline(messages)).toEqual(['system You are Parley.', 'user Ana: and now?']);
  });

  it('sends user audio with a "said:" label while kept, and the transcript once dropped', () => {
    const wav = wavOfSilence(200);
    const withAudio = userTurn({ text: undefined, audio: { format: 'wav', data: wav, durationMs: 200 } });
    const withText = userTurn({ speakerName: 'Bo', text: 'typed this' });
    const dropped = userTurn({ text: undefined, transcript: 'spoke this' });
    const lost = userTurn({ text: undefined });
    const messages = build([withAudio, withText, dropped, lost]);

    expect(outline(messages).slice(1, -1)).toEqual([
      'user Ana said: | <input_audio>',
      'user Bo: typed this',
      'user Ana said: spoke this',
      'user Ana said something that could not be transcribed.',
    ]);
    expect(messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Ana said:' },
        { type: 'input_audio', input_audio: { data: wav.toString('base64'), format: 'wav' } },
      ],
    });
  });

  it('references assistant audio by id only while it outlives now plus the safety margin', () => {
    const question = userTurn();
    const answer = (expiresAt: number) => assistantTurn({ audioId: 'audio_1', audioExpiresAt: expiresAt, transcript: 'said it' });

    expect(outline(build([question, answer(NOW_S + AUDIO_ID_SAFETY_MARGIN_S + 1)]))[2]).toBe('assistant audio:audio_1');
    expect(outline(build([question, answer(NOW_S + AUDIO_ID_SAFETY_MARGIN_S)]))[2]).toBe('assistant said it');
    expect(outline(build([question, answer(NOW_S - 1)]))[2]).toBe('assistant said it');
    expect(outline(build([question, assistantTurn({ audioId: 'no_expiry', transcript: 'x' })]))[2]).toBe('assistant x');
  });

  it('sends an interrupted answer as text marked [interrupted], never by audio id', () => {
    const cut = assistantTurn({ status: 'interrupted', transcript: 'The answer is', audioId: 'a', audioExpiresAt: NOW_S + 3_600 });
    const silent = assistantTurn({ status: 'interrupted', transcript: '' });
    const messages = outline(build([userTurn(), cut, userTurn(), silent]));
    expect(messages[2]).toBe('assistant The answer is [interrupted]');
    expect(messages[4]).toBe('assistant [interrupted]');
  });

  it('does not repeat the current turn when the history already contains it', () => {
    const current = userTurn({ id: 'current', text: 'and now?' });
    const messages = buildMessages({ persona: PERSONA, turns: [userTurn(), current], nowUnixS: NOW_S, tokenBudget: BIG_BUDGET, current });
    expect(outline(messages)).toEqual(['system You are Parley.', 'user Ana: hello', 'user Ana: and now?']);
  });

  it('trims oldest first to fit the budget and never starts the history with an answer', () => {
    const turns: Turn[] = [];
    for (let index = 0; index < 6; index++) {
      turns.push(userTurn({ text: `question ${index}` }), assistantTurn({ transcript: `answer ${index}` }));
    }
    const full = build(turns);
    expect(full).toHaveLength(14);

    const costOf = (turn: Turn) => renderTurn(turn, NOW_S)?.tokens ?? 0;
    const fixed = costOf(userTurn({ text: 'and now?' })) + 4 + Math.ceil(PERSONA.length / 4);
    // Room for the last three turns (answer 4, question 5, answer 5) but not question 4: answer 4 must go too.
    const lastThree = turns.slice(-3).reduce((sum, turn) => sum + costOf(turn), 0);
    const trimmed = outline(build(turns, { tokenBudget: fixed + lastThree }));
    expect(trimmed).toEqual(['system You are Parley.', 'user Ana: question 5', 'assistant answer 5', 'user Ana: and now?']);

    const withFour = turns.slice(-4).reduce((sum, turn) => sum + costOf(turn), 0);
    expect(outline(build(turns, { tokenBudget: fixed + withFour }))).toHaveLength(6);
  });

  it('counts user audio by duration when trimming', () => {
    const longAudio = userTurn({ text: undefined, audio: { format: 'wav', data: wavOfSilence(10), durationMs: 60_000 } });
    const rendered = renderTurn(longAudio, NOW_S);
    expect(rendered?.tokens).toBeGreaterThanOrEqual(600);
    expect(outline(build([longAudio, assistantTurn(), userTurn({ text: 'short' })], { tokenBudget: 400 }))).toEqual([
      'system You are Parley.',
      'user Ana: short',
      'user Ana: and now?',
    ]);
  });

  it('estimates a referenced answer at about three times its transcript tokens', () => {
    const answer = assistantTurn({ transcript: 'x'.repeat(400), audioId: 'a', audioExpiresAt: NOW_S + 3_600 });
    const asText = assistantTurn({ transcript: 'x'.repeat(400) });
    expect(renderTurn(answer, NOW_S)?.tokens).toBe(4 + 300);
    expect(renderTurn(asText, NOW_S)?.tokens).toBe(4 + 100);
  });

  it('always keeps the persona and the current turn, even over budget', () => {
    expect(outline(build([userTurn(), assistantTurn()], { tokenBudget: 1 }))).toEqual(['system You are Parley.', 'user Ana: and now?']);
  });
});

describe('withTextInsteadOfAudioIds', () => {
  it('replaces every audio reference by the turn transcript and keeps everything else', () => {
    const question = userTurn();
    const answer = assistantTurn({ audioId: 'audio_1', audioExpiresAt: NOW_S + 3_600, transcript: 'first answer' });
    const messages = build([question, answer, userTurn({ text: 'again' }), assistantTurn({ audioId: 'audio_2', audioExpiresAt: NOW_S + 3_600, transcript: 'second' })]);
    const retried = withTextInsteadOfAudioIds(messages, [answer]);
    expect(outline(retried)).toEqual(['system You are Parley.', 'user Ana: hello', 'assistant first answer', 'user Ana: again', 'user Ana: and now?']);
    expect(retried.some((message) => 'audio' in message)).toBe(false);
  });
});

describe('isAssistantAudioNotFoundError', () => {
  it('recognises the 400 for an expired audio id only', () => {
    expect(isAssistantAudioNotFoundError({ status: 400, message: '400 Assistant audio audio_abc not found' })).toBe(true);
    expect(isAssistantAudioNotFoundError({ status: 400, message: '400', error: { message: 'Assistant audio audio_abc not found.' } })).toBe(true);
    expect(isAssistantAudioNotFoundError({ status: 400, message: 'Invalid value for messages' })).toBe(false);
    expect(isAssistantAudioNotFoundError({ status: 404, message: 'Assistant audio x not found' })).toBe(false);
    expect(isAssistantAudioNotFoundError(undefined)).toBe(false);
  });
});
