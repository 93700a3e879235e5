import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { compareHeard } from '../support/audio-checks.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

type ChatBody = {
  model: string;
  modalities: string[];
  audio: { voice: string; format: string };
  stream: boolean;
  stream_options: { include_usage: boolean };
  messages: { role: string; content?: unknown; audio?: { id: string } }[];
};

describe('/ask in voice: streamed speech, conversation memory', () => {
  let bed: TestBed;
  const ask = (prompt: string) =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'ask', options: { prompt } });
  const lastChatBody = () => bed.openai.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body as ChatBody;
  const finalReply = async (interaction: ReturnType<typeof ask>) => {
    await interaction.waitFor((r) => r.kind === 'edit' && !String(r.body.content).endsWith('…'), 20_000);
    return interaction.lastContent() ?? '';
  };

  beforeAll(async () => {
    bed = await startTestBed();
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('streams the answer into the voice channel as it arrives, with a schema-valid request', async () => {
    const audio = speechLike(1_500, OPENAI_PCM_RATE, 7);
    bed.openai.scriptChat({ transcript: 'The weather is lovely today.', audio, audioId: 'audio_first', chunkMs: 100, speed: 2 });
    const interaction = ask('How is the weather?');
    expect(await finalReply(interaction)).toContain('The weather is lovely today.');
    const request = bed.openai.requests.find((r) => r.path === '/v1/chat/completions')!;
    expect(request.schemaErrors).toEqual([]);
    const body = request.body as ChatBody;
    expect(body.model).toBe('gpt-audio-1.5');
    expect(body.modalities).toEqual(['text', 'audio']);
    expect(body.audio).toEqual({ voice: 'marin', format: 'pcm16' });
    expect(body.stream).toBe(true);
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(body.messages[0]!.role).toBe('system');
    expect(JSON.stringify(body.messages.at(-1))).toContain('Alice: How is the weather?');

    const capture = bed.discord.capture(bed.ids.guild);
    await capture.waitForQuiet(300, 10_000);
    const match = compareHeard(audio, capture.pcm());
    console.log(`/ask voice: correlation ${match.correlation.toFixed(3)}, heard ${match.durationMs} ms of ${match.expectedMs} ms`);
    expect(match.correlation).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(match.durationMs - match.expectedMs)).toBeLessThanOrEqual(60);
  });

  it('plays everything, nothing doubled, when the model pauses 300 ms mid-answer', async () => {
    const capture = bed.discord.capture(bed.ids.guild);
    capture.reset();
    const audio = speechLike(2_000, OPENAI_PCM_RATE, 11);
    bed.openai.scriptChat({ transcript: 'A pause is coming, and then the rest.', audio, audioId: 'audio_second', chunkMs: 100, speed: 1, pauses: [{ atMs: 1_000, durationMs: 300 }] });
    await finalReply(ask('Tell me something with a pause.'));
    await capture.waitForQuiet(300, 10_000);
    const match = compareHeard(audio, capture.pcm());
    const silenceInside = capture.packets.filter((p) => p.silence).length;
    console.log(`/ask with a 300 ms model pause: correlation ${match.correlation.toFixed(3)}, heard ${match.durationMs} of ${match.expectedMs} ms, ${silenceInside} silence frames`);
    expect(match.correlation).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(match.durationMs - match.expectedMs)).toBeLessThanOrEqual(60);
    // Sent at real time, the pause reaches the channel: silence frames bridge it (plus 5 after the end).
    expect(silenceInside).toBeGreaterThan(5 + 5);
  });

  it('sends the earlier answer by audio id while it is valid, and stores both answers complete', async () => {
    // The real stream has no finish_reason: judged by it alone, both would be stored as cut and sent as text.
    const body = lastChatBody();
    expect(body.messages.some((m) => m.role === 'assistant' && m.audio?.id === 'audio_first')).toBe(true);
    expect(JSON.stringify(body.messages)).toContain('Alice: How is the weather?');
    expect(JSON.stringify(body.messages)).not.toContain('[interrupted]');
    const answers = (await bed.bot.ctx.store.history(bed.ids.voice)).filter((t) => t.kind === 'assistant');
    expect(answers.map((t) => t.kind === 'assistant' && [t.status, t.audioId])).toEqual([
      ['complete', 'audio_first'],
      ['complete', 'audio_second'],
    ]);
  });

  it('sends an answer whose audio has expired as its transcript', async () => {
    // Expiring within the bot's safety margin counts as expired: the id may be gone by the time the API reads it.
    bed.openai.scriptChat({ transcript: 'A short-lived answer.', audio: speechLike(400, OPENAI_PCM_RATE, 3), audioId: 'audio_short', expiresAt: Math.floor(Date.now() / 1000) + 5 });
    await finalReply(ask('Something quick?'));
    bed.openai.scriptChat({ transcript: 'Fourth answer.', audio: speechLike(400, OPENAI_PCM_RATE, 4) });
    await finalReply(ask('And now?'));
    const assistants = lastChatBody().messages.filter((m) => m.role === 'assistant');
    expect(assistants.some((m) => m.audio?.id === 'audio_short')).toBe(false);
    expect(assistants.some((m) => JSON.stringify(m.content ?? '').includes('A short-lived answer.'))).toBe(true);
    expect(assistants.some((m) => m.audio?.id === 'audio_first')).toBe(true);
  });

  it('keeps the conversation across a restart', async () => {
    await bed.restart();
    await bed.discord.waitForBotReady();
    bed.openai.scriptChat({ transcript: 'I remember.', audio: speechLike(400, OPENAI_PCM_RATE, 5) });
    await finalReply(ask('Do you remember?'));
    const text = JSON.stringify(lastChatBody().messages);
    for (const earlier of ['How is the weather?', 'Something quick?', 'And now?']) expect(text).toContain(earlier);
    expect(text).toContain('audio_first');
  });
});
