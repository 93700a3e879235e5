import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { resetStreamingMemory } from '../../src/ai/chat-audio.ts';
import { compareHeard } from '../support/audio-checks.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

type ChatBody = { stream?: boolean; messages: { role: string; content?: unknown; audio?: { id: string } }[] };

describe('/ask fallbacks: a model that will not stream, an audio id the API forgot, live transcript pacing', () => {
  let bed: TestBed;
  const chats = () => bed.openai.requests.filter((r) => r.path === '/v1/chat/completions');
  const ask = async (prompt: string) => {
    const interaction = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'ask', options: { prompt } });
    await interaction.waitFor((r) => r.kind === 'edit' && !String(r.body.content).endsWith('…'), 20_000);
    return interaction;
  };

  beforeAll(async () => {
    resetStreamingMemory();
    bed = await startTestBed({ PARLEY_CHAT_MODEL: 'gpt-audio-mini' });
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
  });
  afterAll(async () => {
    resetStreamingMemory();
    await bed?.close();
  });

  it('plays a whole answer when the model refuses streaming, and asks without streaming from then on', async () => {
    const audio = speechLike(1_000, OPENAI_PCM_RATE, 101);
    bed.openai.scriptChat({ transcript: 'Whole answer.', audio, audioId: 'audio_whole' });
    const capture = bed.discord.capture(bed.ids.guild);
    const interaction = await ask('Stream please?');
    expect(interaction.lastContent()).toContain('Whole answer.');
    expect(chats().map((r) => [(r.body as ChatBody).stream, r.status])).toEqual([[true, 400], [false, 200]]);
    await capture.waitForQuiet(300, 10_000);
    const match = compareHeard(audio, capture.pcm());
    console.log(`non-streaming fallback: correlation ${match.correlation.toFixed(3)}, heard ${match.durationMs} of ${match.expectedMs} ms`);
    expect(match.correlation).toBeGreaterThanOrEqual(0.9);

    bed.openai.scriptChat({ transcript: 'Second whole answer.', audio: speechLike(300, OPENAI_PCM_RATE, 102) });
    await ask('Again?');
    expect((chats().at(-1)!.body as ChatBody).stream).toBe(false);
    expect(chats()).toHaveLength(3);
  });

  it('retries once with transcripts when the API has forgotten an earlier answer\'s audio id', async () => {
    bed.openai.issuedAudio.delete('audio_whole');
    bed.openai.scriptChat({ transcript: 'Recovered.', audio: speechLike(300, OPENAI_PCM_RATE, 103) });
    const before = chats().length;
    const interaction = await ask('Still there?');
    expect(interaction.lastContent()).toContain('Recovered.');
    const [failed, retried] = chats().slice(before);
    expect(failed!.status).toBe(400);
    expect(JSON.stringify((failed!.body as ChatBody).messages)).toContain('audio_whole');
    expect(retried!.status).toBe(200);
    const assistants = (retried!.body as ChatBody).messages.filter((m) => m.role === 'assistant');
    expect(assistants.every((m) => m.audio === undefined)).toBe(true);
    expect(JSON.stringify(assistants)).toContain('Whole answer.');
  });

  it('edits the growing transcript at most about once a second', async () => {
    resetStreamingMemory();
    bed.openai.nonStreamingModels.delete('gpt-audio-mini');
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    bed.openai.scriptChat({ transcript: words, audio: speechLike(4_000, OPENAI_PCM_RATE, 104), chunkMs: 100, speed: 1 });
    const interaction = await ask('Talk for a while.');
    const edits = interaction.responses.filter((r) => r.kind === 'edit');
    const progress = edits.filter((r) => String(r.body.content).endsWith('…'));
    const gaps = progress.slice(1).map((r, i) => r.at - progress[i]!.at);
    console.log(`live transcript: ${progress.length} progress edits, smallest gap ${Math.round(Math.min(...gaps))} ms`);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    // Edits are sent 1 s apart; arrival gaps vary with request latency on a busy machine.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(500);
    expect(String(edits.at(-1)!.body.content)).toContain('word59');
  });
});
