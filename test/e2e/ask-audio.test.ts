import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_PCM_RATE, OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { encodeOggOpus } from '../../src/audio/ogg-opus.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { speechLike } from '../support/signals.ts';
import { compareSpokenWav } from '../support/wav-checks.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

describe('audio in: /ask audio: and the "Ask Parley" message command', () => {
  let bed: TestBed;
  const askWithFile = (file: { filename: string; contentType?: string; data: Buffer; status?: number; size?: number; bytesPerSecond?: number }, options: Record<string, unknown> = {}) =>
    bed.discord.sendSlashCommand({
      guildId: bed.ids.guild,
      channelId: bed.ids.text,
      userId: bed.ids.bob,
      name: 'ask',
      options: { audio: { attachment: bed.discord.serveAttachment(file) }, ...options } as never,
    });
  const settle = async (interaction: ReturnType<typeof askWithFile>) => {
    await interaction.waitFor((r) => (r.kind !== 'callback' || r.type === 4) && !String(r.body.content).endsWith('…'), 20_000);
    return interaction.lastContent() ?? '';
  };

  beforeAll(async () => {
    bed = await startTestBed({ PARLEY_AUDIO_MAX_MB: '1', PARLEY_AUDIO_MAX_SECONDS: '20', PARLEY_AUDIO_DOWNLOAD_SECONDS: '3' });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('answers a Discord voice message (Ogg Opus) with "Ask Parley"; the WAV sent matches its audio', async () => {
    const spoken = speechLike(1_500, DISCORD_PCM_RATE, 61, 1);
    const ogg = encodeOggOpus(spoken, DISCORD_PCM_RATE, 1);
    const attachment = bed.discord.serveAttachment({ filename: 'voice-message.ogg', contentType: 'audio/ogg', data: ogg });
    bed.openai.scriptChat({ transcript: 'It sounds cheerful.', textOnly: false, audio: speechLike(300, OPENAI_PCM_RATE, 62), speed: 4 });
    const interaction = bed.discord.sendMessageCommand({
      guildId: bed.ids.guild,
      channelId: bed.ids.text,
      userId: bed.ids.bob,
      name: 'Ask Parley',
      message: { authorId: bed.ids.alice, attachments: [attachment], flags: 1 << 13 },
    });
    await interaction.waitFor((r) => r.kind === 'edit' && String(r.body.content).includes('It sounds cheerful.'), 20_000);
    const request = bed.openai.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
    expect(request.schemaErrors).toEqual([]);
    expect(request.inputAudio[0]!.format).toBe('wav');
    const stereo = new Int16Array(spoken.length * 2).map((_, i) => spoken[i >> 1]!);
    const match = compareSpokenWav(stereo, request.inputAudio[0]!.data);
    console.log(`voice message in: WAV ${match.wavMs} ms of ${match.spokenMs} ms at ${match.sampleRate} Hz, correlation ${match.correlation.toFixed(3)}`);
    expect(match.correlation).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(match.wavMs - match.spokenMs)).toBeLessThanOrEqual(40);
  });

  it('sends a WAV as it is, and answers in text only with speak:false', async () => {
    const wav = encodeWav(speechLike(800, 16_000, 63), 16_000, 1);
    bed.openai.scriptChat({ transcript: 'A calm mood.', textOnly: true });
    const content = await settle(askWithFile({ filename: 'clip.wav', contentType: 'audio/wav', data: wav }, { prompt: 'What is the mood?', speak: false }));
    expect(content).toContain('A calm mood.');
    const request = bed.openai.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
    // The newest input audio is this one; earlier recordings may come before it until they are transcribed.
    expect(request.inputAudio.at(-1)!.data.equals(wav)).toBe(true);
    expect((request.body as { modalities: string[] }).modalities).toEqual(['text']);
  });

  it('identifies audio by its bytes when the content type lies', async () => {
    const wav = encodeWav(speechLike(500, 24_000, 64), 24_000, 1);
    bed.openai.scriptChat({ transcript: 'Fine.', textOnly: true });
    const content = await settle(askWithFile({ filename: 'song.mp3', contentType: 'audio/mpeg', data: wav }, { speak: false }));
    expect(content).toContain('Fine.');
    expect(bed.openai.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.inputAudio.at(-1)!.format).toBe('wav');
  });

  const refusals: [string, () => { filename: string; contentType?: string; data: Buffer; status?: number; size?: number; bytesPerSecond?: number }, RegExp][] = [
    ['a zero-length file', () => ({ filename: 'empty.wav', contentType: 'audio/wav', data: Buffer.alloc(0) }), /empty/],
    ['a truncated WAV', () => ({ filename: 'cut.wav', contentType: 'audio/wav', data: encodeWav(speechLike(500, 24_000, 65), 24_000, 1).subarray(0, 30) }), /incomplete|damaged|not a valid|corrupt/i],
    ['a corrupt Ogg', () => {
      const ogg = Buffer.from(encodeOggOpus(speechLike(500, 48_000, 66), 48_000, 1));
      ogg.fill(0x55, 200, 260);
      return { filename: 'bad.ogg', contentType: 'audio/ogg', data: ogg };
    }, /corrupt|damaged|not a valid/i],
    ['a text file that claims to be audio', () => ({ filename: 'notes.ogg', contentType: 'audio/ogg', data: Buffer.from('just some text, not audio at all') }), /WAV, MP3, or Ogg Opus/],
    ['an over-size file (declared)', () => ({ filename: 'big.wav', contentType: 'audio/wav', data: Buffer.alloc(100), size: 5_000_000 }), /too large: the limit is 1 MB/],
    ['an over-size file (declared small, actually big)', () => ({ filename: 'sneaky.wav', contentType: 'audio/wav', data: Buffer.alloc(1_500_000), size: 1_000 }), /too large/],
    ['a recording over the time limit', () => ({ filename: 'long.wav', contentType: 'audio/wav', data: encodeWav(new Int16Array(8_000 * 25), 8_000, 1) }), /too long/],
    ['a download slower than the time limit', () => ({ filename: 'slow.wav', contentType: 'audio/wav', data: encodeWav(speechLike(12_000, 24_000, 67), 24_000, 1), bytesPerSecond: 100_000 }), /took too long to download/],
    ['an attachment URL that fails', () => ({ filename: 'gone.wav', contentType: 'audio/wav', data: Buffer.alloc(10), status: 404 }), /couldn't download/],
  ];
  for (const [what, file, expected] of refusals) {
    it(`refuses ${what} with a clear message`, async () => {
      const requests = bed.openai.requests.length;
      const content = await settle(askWithFile(file(), { prompt: 'what is this?' }));
      expect(content).toMatch(expected);
      expect(bed.openai.requests.length).toBe(requests);
    });
  }
});
