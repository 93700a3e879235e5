/**
 * Failure drills on the voice path: the voice websocket closed with 4015 (resume) and 4006 (new
 * session) while an answer is playing, and 10 % UDP loss both ways during a voice conversation. Each
 * prints how long recovery took and what was heard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoiceConnectionStatus } from '@discordjs/voice';
import { DISCORD_PCM_RATE, OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import type { InteractionRecord } from '../harness/discord/index.ts';
import { compareHeard } from '../support/audio-checks.ts';
import { speechLike } from '../support/signals.ts';
import { compareSpokenWav } from '../support/wav-checks.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';

const FRAME_MS = 20;
const LOSS_RATIO = 0.1;
const LOSS_WINDOW_MS = 10_000;
const UTTERANCE_MS = 2_000;

describe('drills: voice connection faults', () => {
  let bed: TestBed;
  const chatRequests = () => bed.openai.requests.filter((r) => r.path === '/v1/chat/completions');
  const ask = (prompt: string) => bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'ask', options: { prompt } });
  const final = async (interaction: InteractionRecord, timeoutMs = 25_000): Promise<string> => {
    await interaction.waitFor((r) => (r.kind === 'callback' && r.type === 4) || (r.kind === 'edit' && !String(r.body?.content).endsWith(' …')), timeoutMs);
    return interaction.lastContent() ?? '';
  };
  const heardMsSince = (since: number) => bed.discord.capture(bed.ids.guild).packets.filter((p) => !p.silence && p.at >= since).length * FRAME_MS;

  beforeAll(async () => {
    bed = await startTestBed();
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
  });
  afterAll(async () => {
    await bed?.close();
  });

  for (const [code, recovery] of [
    [4015, 'resumes'],
    [4006, 'identifies'],
  ] as const) {
    it(`recovers from voice close ${code} mid-answer (${recovery === 'resumes' ? 'resume' : 'new session'}); the answer ends or is stored as interrupted; the next /ask is heard`, async () => {
      const { discord, ids } = bed;
      const prompt = `Tell me something long (${code}).`;
      const transcript = 'This answer keeps going for a few seconds so that the voice connection can break in the middle of it.';
      bed.openai.scriptChat({ transcript, audio: speechLike(3_000, OPENAI_PCM_RATE, code), speed: 1 });
      const capture = discord.capture(ids.guild);
      capture.reset();
      const interaction = ask(prompt);
      await capture.waitForPackets(25, 20_000); // half a second of the answer has been heard
      const session = bed.bot.ctx.voice.get(ids.guild)!;
      const before = discord.voiceGatewayStats[recovery];

      const closedAt = performance.now();
      await discord.closeVoice(ids.guild, code);
      await expect.poll(() => discord.voiceGatewayStats[recovery], { timeout: 15_000, interval: 5 }).toBeGreaterThan(before);
      await expect.poll(() => session.connection.state.status, { timeout: 15_000, interval: 5 }).toBe(VoiceConnectionStatus.Ready);
      const recoveredMs = performance.now() - closedAt;

      const reply = await final(interaction);
      const turns = await bed.bot.ctx.store.history(ids.voice);
      const answer = turns.at(-1);
      const question = turns.at(-2);
      console.log(
        `voice ${code}: ${recovery === 'resumes' ? 'resumed' : 're-identified'} and Ready ${Math.round(recoveredMs)} ms after the close; ` +
          `${heardMsSince(closedAt)} ms of the answer heard after it; stored as ${answer?.kind === 'assistant' ? answer.status : '(nothing)'}; ` +
          `same session: ${bed.bot.ctx.voice.get(ids.guild) === session}`,
      );
      expect(reply.includes(transcript) || /Cut off/.test(reply)).toBe(true);
      expect(question?.kind === 'user' && question.text).toContain(prompt);
      expect(answer?.kind === 'assistant' && ['complete', 'interrupted'].includes(answer.status)).toBe(true);

      await expect.poll(() => bed.bot.ctx.voice.get(ids.guild)?.pacer.busy ?? false, { timeout: 15_000 }).toBe(false);
      const next = speechLike(800, OPENAI_PCM_RATE, code + 1);
      bed.openai.scriptChat({ transcript: 'Still here.', audio: next, speed: 2 });
      capture.reset();
      expect(await final(ask('Are you still there?'))).toContain('Still here.');
      await capture.waitForQuiet(300, 10_000);
      const match = compareHeard(next, capture.pcm());
      console.log(`voice ${code}: the next /ask was heard: ${match.durationMs} of ${match.expectedMs} ms, correlation ${match.correlation.toFixed(3)}`);
      expect(match.correlation).toBeGreaterThanOrEqual(0.9);
    }, 60_000);
  }

  it(`recognises and answers 2 s utterances during ${LOSS_WINDOW_MS / 1000} s of ${LOSS_RATIO * 100} % UDP loss both ways`, async () => {
    const { discord, ids } = bed;
    const start = discord.sendSlashCommand({ guildId: ids.guild, channelId: ids.text, userId: ids.alice, name: 'talk', subcommand: 'start' });
    expect(await final(start)).toMatch(/listening/i);
    const assistantTurns = async () => (await bed.bot.ctx.store.history(ids.voice)).filter((t) => t.kind === 'assistant');
    const figures: string[] = [];
    discord.setUdpLoss(ids.guild, LOSS_RATIO);
    const lossStarted = performance.now();
    try {
      for (let i = 0; performance.now() - lossStarted < LOSS_WINDOW_MS; i++) {
        const spoken = speechLike(UTTERANCE_MS, DISCORD_PCM_RATE, 300 + i, 2);
        const answerAudio = speechLike(600, OPENAI_PCM_RATE, 400 + i);
        bed.openai.scriptChat({ transcript: `Answer number ${i}.`, audio: answerAudio, speed: 2 });
        const requestsBefore = chatRequests().length;
        const answersBefore = (await assistantTurns()).length;
        const { lastSpeechPacketAt } = await discord.speak(ids.guild, ids.alice, spoken);
        const request = await bed.openai.waitForRequest((r) => r.path === '/v1/chat/completions' && chatRequests().indexOf(r) >= requestsBefore, 10_000);
        const heard = compareSpokenWav(spoken, request.inputAudio.at(-1)!.data);
        const answerStarted = performance.now();
        await expect.poll(async () => (await assistantTurns()).length, { timeout: 15_000 }).toBe(answersBefore + 1);
        // The next utterance waits for the answer: speaking over it would be a barge-in.
        await expect.poll(() => bed.bot.ctx.voice.get(ids.guild)?.pacer.busy ?? false, { timeout: 15_000 }).toBe(false);
        figures.push(
          `utterance ${i}: turn request ${Math.round(request.at - lastSpeechPacketAt)} ms after the last speech packet, ` +
            `WAV ${heard.wavMs} ms of ${heard.spokenMs} ms (correlation ${heard.correlation.toFixed(2)}), answer heard ${heardMsSince(answerStarted)} of 600 ms`,
        );
        expect(heard.wavMs).toBeGreaterThan(UTTERANCE_MS * 0.75);
        // Lost packets are filled by arrival time, so jitter can add a frame or a few.
        expect(heard.wavMs).toBeLessThanOrEqual(UTTERANCE_MS + 400);
        const lastAnswer = (await assistantTurns()).at(-1);
        expect(lastAnswer?.kind === 'assistant' && lastAnswer).toMatchObject({ status: 'complete' });
      }
    } finally {
      discord.setUdpLoss(ids.guild, 0);
      console.log(`UDP loss ${LOSS_RATIO * 100} % for ${Math.round(performance.now() - lossStarted)} ms:\n${figures.join('\n')}`);
    }
    expect(figures.length).toBeGreaterThanOrEqual(3);
    const failures = discord.channelMessages(ids.voice).filter((m) => /could not answer|Alice:/.test(String(m.content)));
    expect(failures.map((m) => m.content)).toEqual([]);
    await discord.sendSlashCommand({ guildId: ids.guild, channelId: ids.text, userId: ids.alice, name: 'leave' }).waitForReply();
  }, 90_000);
});
