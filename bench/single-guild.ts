/**
 * One member, one guild, nothing else running: how fast a spoken turn reaches the model (/talk), how
 * fast the model's first audio reaches the channel, and what /ask adds on top of the model's delay.
 */
import { DISCORD_CHANNELS, DISCORD_PCM_RATE } from '../src/audio/format.ts';
import type { InteractionRecord } from '../test/harness/discord/index.ts';
import type { RecordedRequest } from '../test/harness/openai/index.ts';
import { speechLike } from '../test/support/signals.ts';
import type { TestBed } from '../test/support/test-bed.ts';
import {
  MODEL_FIRST_AUDIO_DELAY_MS,
  answerAudio24kMono,
  chatRequestCount,
  firstSpeechPacketAfter,
  nextChatRequest,
  scriptedAnswer,
} from './scripted-model.ts';
import { Budget, pollUntil, withTimeout } from './timing.ts';

/** Raw samples in milliseconds; the caller summarizes them. */
export interface SingleGuildSamples {
  /** Last speech packet sent by the member -> chat request at the fake OpenAI. */
  voiceTurnMs: number[];
  /** First audio chunk sent by the fake OpenAI -> first answer packet at the fake voice server. */
  outputLatencyMs: number[];
  /** /ask sent -> first answer packet, minus the scripted model delay; the bot already in voice. */
  askOverheadMs: number[];
  /** The same for the first /ask, which also joins the voice channel. */
  askColdJoinMs: number[];
  errors: string[];
}

export function emptySingleGuildSamples(): SingleGuildSamples {
  return { voiceTurnMs: [], outputLatencyMs: [], askOverheadMs: [], askColdJoinMs: [], errors: [] };
}

/** Short answers keep each sample quick; the first packet is what is timed. */
const SHORT_ANSWER_MS = 200;
const UTTERANCE_MS = 800;
const STEP_TIMEOUT_MS = 15_000;
/** No packet for this long after an answer: its trailing silence frames are over. */
const QUIET_AFTER_ANSWER_MS = 150;

/** Times `count` /ask questions (plus one cold one that joins voice first). */
export async function measureAsk(bed: TestBed, count: number, budgetMs: number, out: SingleGuildSamples): Promise<void> {
  const budget = new Budget(budgetMs);
  const answer = answerAudio24kMono(SHORT_ANSWER_MS, 101);
  for (let i = 0; i <= count && budget.fits(2_000); i++) {
    try {
      const sample = await askOnce(bed, `Benchmark question ${i}?`, answer);
      if (i === 0) {
        out.askColdJoinMs.push(sample.overheadMs);
      } else {
        out.askOverheadMs.push(sample.overheadMs);
        out.outputLatencyMs.push(sample.outputLatencyMs);
      }
    } catch (err) {
      out.errors.push(`/ask sample ${i}: ${String(err)}`);
    }
  }
}

/** Starts /talk for Alice and times `count` utterances. */
export async function measureVoiceTurns(bed: TestBed, count: number, budgetMs: number, out: SingleGuildSamples): Promise<void> {
  const budget = new Budget(budgetMs);
  const start = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'talk', subcommand: 'start' });
  await start.waitFor((r) => r.kind === 'edit', STEP_TIMEOUT_MS);
  const answer = answerAudio24kMono(SHORT_ANSWER_MS, 102);
  for (let i = 0; i < count && budget.fits(3_000); i++) {
    try {
      const utterance = speechLike(UTTERANCE_MS, DISCORD_PCM_RATE, 200 + i, DISCORD_CHANNELS);
      const sample = await talkOnce(bed, utterance, answer);
      out.voiceTurnMs.push(sample.voiceTurnMs);
      out.outputLatencyMs.push(sample.outputLatencyMs);
    } catch (err) {
      out.errors.push(`/talk sample ${i}: ${String(err)}`);
    }
  }
}

async function askOnce(bed: TestBed, prompt: string, answer: Int16Array): Promise<{ overheadMs: number; outputLatencyMs: number }> {
  const capture = bed.discord.capture(bed.ids.guild);
  capture.reset();
  const seen = chatRequestCount(bed.openai);
  bed.openai.scriptChat(scriptedAnswer(answer));
  const interaction = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'ask', options: { prompt } });
  const request = await nextChatRequest(bed.openai, seen, STEP_TIMEOUT_MS);
  const { firstPacketAt, firstChunkAt } = await firstAnswerPacket(bed, request);
  await answerFinished(bed, interaction);
  return { overheadMs: firstPacketAt - interaction.createdAt - MODEL_FIRST_AUDIO_DELAY_MS, outputLatencyMs: firstPacketAt - firstChunkAt };
}

async function talkOnce(bed: TestBed, utterance: Int16Array, answer: Int16Array): Promise<{ voiceTurnMs: number; outputLatencyMs: number }> {
  const capture = bed.discord.capture(bed.ids.guild);
  capture.reset();
  const seen = chatRequestCount(bed.openai);
  bed.openai.scriptChat(scriptedAnswer(answer));
  const spoken = await withTimeout(bed.discord.speak(bed.ids.guild, bed.ids.alice, utterance), STEP_TIMEOUT_MS, 'the member to finish speaking');
  const request = await nextChatRequest(bed.openai, seen, STEP_TIMEOUT_MS);
  const { firstPacketAt, firstChunkAt } = await firstAnswerPacket(bed, request);
  await answerFinished(bed);
  return { voiceTurnMs: request.at - spoken.lastSpeechPacketAt, outputLatencyMs: firstPacketAt - firstChunkAt };
}

/** When the first audio chunk left the fake OpenAI and when the first answer packet reached the voice server. */
async function firstAnswerPacket(bed: TestBed, request: RecordedRequest): Promise<{ firstChunkAt: number; firstPacketAt: number }> {
  const capture = bed.discord.capture(bed.ids.guild);
  const packet = await pollUntil(
    () => request.chunkSentAt[0] !== undefined && firstSpeechPacketAfter(capture, request.chunkSentAt[0]),
    STEP_TIMEOUT_MS,
    'the first answer packet',
  );
  return { firstChunkAt: request.chunkSentAt[0]!, firstPacketAt: packet.at };
}

/** The answer has been played and stored (and the /ask reply finished), so the next sample starts clean. */
async function answerFinished(bed: TestBed, interaction?: InteractionRecord): Promise<void> {
  await pollUntil(() => bed.bot.ctx.turns.pending(bed.ids.voice) === 0, STEP_TIMEOUT_MS, 'the turn to finish', 20);
  if (interaction) await interaction.waitFor((r) => r.kind === 'edit' && !String(r.body?.content ?? '').endsWith('…'), STEP_TIMEOUT_MS);
  await bed.discord.capture(bed.ids.guild).waitForQuiet(QUIET_AFTER_ANSWER_MS, STEP_TIMEOUT_MS);
}
