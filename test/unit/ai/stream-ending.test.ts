import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { watchForDone } from '../../../src/ai/sse-done.ts';
import { StreamEnding } from '../../../src/ai/stream-ending.ts';

const choice = (delta: Record<string, unknown>, finishReason?: string) =>
  ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finishReason ?? null }] }) as unknown as ChatCompletionChunk;
const usage = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } } as unknown as ChatCompletionChunk;

function judge(chunks: ChatCompletionChunk[], done = false): StreamEnding {
  const ending = new StreamEnding();
  for (const chunk of chunks) ending.observe(chunk);
  if (done) ending.sawDone();
  return ending;
}

const transcript = choice({ audio: { id: 'audio_1', transcript: 'Hi.' } });
const audio = choice({ role: 'assistant', content: null, refusal: null, audio: { id: 'audio_1', data: 'AAAA' } });
const marker = choice({ audio: { expires_at: 1_800_000_000 } });

describe('StreamEnding', () => {
  it('takes the expires_at-only delta after audio as the end (openai-node issue #1206)', () => {
    expect(judge([transcript, audio, marker]).mark).toBe('audio marker');
    expect(judge([transcript, audio]).complete).toBe(false);
  });

  it('does not take a marker followed by more answer, or one without an audio id, as the end', () => {
    expect(judge([transcript, audio, marker, choice({ audio: { data: 'BBBB' } })]).complete).toBe(false);
    expect(judge([choice({ audio: { transcript: 'x' } }), marker]).complete).toBe(false);
  });

  it('takes finish_reason as the end, whatever came before', () => {
    expect(judge([transcript, audio, choice({}, 'stop')]).mark).toBe('finish_reason');
    expect(judge([choice({ content: 'Hi' }), choice({}, 'length')]).mark).toBe('finish_reason');
  });

  it('takes the usage chunk as the end only when [DONE] followed it', () => {
    expect(judge([transcript, audio, usage], true).mark).toBe('usage and [DONE]');
    expect(judge([transcript, audio, usage]).complete).toBe(false);
    expect(judge([transcript, audio], true).complete).toBe(false);
  });
});

describe('watchForDone', () => {
  async function scan(pieces: string[]): Promise<{ done: boolean; passed: string }> {
    let done = false;
    const encoder = new TextEncoder();
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(encoder.encode(piece));
        controller.close();
      },
    });
    const passed = await new Response(watchForDone(source, () => (done = true))).text();
    return { done, passed };
  }

  it('sees the sentinel split across reads and with CRLF, and passes every byte on', async () => {
    const body = ['data: {"a":1}\n\nda', 'ta: [DO', 'NE]\r\n\r\n'];
    expect(await scan(body)).toEqual({ done: true, passed: body.join('') });
    expect((await scan(['data:[DONE]'])).done).toBe(true);
  });

  it('does not mistake a cut stream or a [DONE] inside data for the sentinel', async () => {
    expect((await scan(['data: {"a":1}\n\n'])).done).toBe(false);
    expect((await scan(['data: {"text":"[DONE]"}\n\n', 'data: [DONE] later\n\n'])).done).toBe(false);
  });
});
