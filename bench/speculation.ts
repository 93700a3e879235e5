/**
 * Figure 7, speculative answers: the member's end of speech -> the first audible answer packet, with
 * scripted models whose first audio comes 300, 500 and 800 ms after the request, with speculation off
 * (PARLEY_EARLY_START_MS=0) and on (the default early window); and the share of speculative requests
 * wasted on a scripted conversation whose sentences have mid-sentence pauses.
 */
import { DISCORD_CHANNELS, DISCORD_PCM_RATE } from '../src/audio/format.ts';
import { DEFAULT_EARLY_START_MS } from '../src/config.ts';
import { speechLike } from '../test/support/signals.ts';
import { startTestBed, type TestBed } from '../test/support/test-bed.ts';
import { figure, type Figure } from './report.ts';
import { answerAudio24kMono, chatRequestCount, firstSpeechPacketAfter, MODEL_CHUNK_MS, MODEL_SPEED } from './scripted-model.ts';
import { summarize } from './stats.ts';
import { pollUntil, sleep, withTimeout } from './timing.ts';

/** First-audio delays of the scripted models. */
export const SPECULATION_MODEL_DELAYS_MS = [300, 500, 800] as const;
/** The delay the done-criterion is judged at: first audible <= silence window + 50 ms. */
const JUDGED_DELAY_MS = 500;
const JUDGED_MARGIN_MS = 50;
const STEP_TIMEOUT_MS = 15_000;
/** Early windows measured: 0 (speculation off), the default, and around it (less or more latency hidden). */
const EARLY_WINDOWS_MS = [0, DEFAULT_EARLY_START_MS, 100, 200] as const;

/** The scripted conversation at one early window. */
export interface ConversationResult {
  earlyStartMs: number;
  utterances: number;
  requests: number;
  started: number;
  wasted: number;
  answersPlayed: number;
}

export interface SpeculationResults {
  silenceMs: number;
  earlyStartMs: number;
  /** End of speech -> first audible packet, by early window (0 = off), then by model delay. */
  firstAudibleMs: Record<number, Record<number, number[]>>;
  /** The scripted conversation with pauses, at the default early window and at longer ones. */
  conversations: ConversationResult[];
  errors: string[];
}

/**
 * Sentences of the scripted conversation: phrases (ms of speech) separated by pauses (ms). Pauses from
 * 150 to 450 ms are the hesitations and breaths people leave inside a sentence.
 */
const CONVERSATION: { phrases: number[]; pauses: number[] }[] = [
  { phrases: [900], pauses: [] },
  { phrases: [600, 700], pauses: [250] },
  { phrases: [500, 400, 800], pauses: [150, 400] },
  { phrases: [1_200], pauses: [] },
  { phrases: [700, 600], pauses: [450] },
  { phrases: [400, 900], pauses: [200] },
  { phrases: [800], pauses: [] },
  { phrases: [600, 500, 600], pauses: [300, 350] },
];

export async function measureSpeculation(options: { samples: number }): Promise<SpeculationResults> {
  const results: SpeculationResults = { silenceMs: NaN, earlyStartMs: DEFAULT_EARLY_START_MS, firstAudibleMs: {}, conversations: [], errors: [] };
  for (const earlyStartMs of EARLY_WINDOWS_MS) {
    const bed = await startTestBed({ PARLEY_EARLY_START_MS: String(earlyStartMs) });
    try {
      results.silenceMs = bed.config.silenceMs;
      await startTalk(bed);
      // Every model delay without speculation and at the default; the judged delay alone at the others.
      const delays = earlyStartMs === 0 || earlyStartMs === DEFAULT_EARLY_START_MS ? SPECULATION_MODEL_DELAYS_MS : [JUDGED_DELAY_MS];
      const byDelay = (results.firstAudibleMs[earlyStartMs] = {} as Record<number, number[]>);
      for (const delay of delays) {
        const samples = (byDelay[delay] = [] as number[]);
        for (let i = 0; i < options.samples; i++) {
          try {
            samples.push(await firstAudibleOnce(bed, delay, speechLike(800, DISCORD_PCM_RATE, 300 + i, DISCORD_CHANNELS)));
          } catch (err) {
            results.errors.push(`early start ${earlyStartMs} ms, ${delay} ms model, sample ${i}: ${String(err)}`);
          }
        }
      }
      if (earlyStartMs > 0) results.conversations.push(await measureConversation(bed, earlyStartMs));
    } catch (err) {
      results.errors.push(`early start ${earlyStartMs} ms: ${String(err)}`);
    } finally {
      await withTimeout(bed.close(), 20_000, 'closing the speculation test bed').catch((err: unknown) => results.errors.push(String(err)));
    }
  }
  return results;
}

async function startTalk(bed: TestBed): Promise<void> {
  bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
  const start = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'talk', subcommand: 'start' });
  await start.waitFor((r) => r.kind === 'edit', STEP_TIMEOUT_MS);
}

function script(bed: TestBed, delayMs: number, seed: number): void {
  bed.openai.scriptChat({ transcript: 'A scripted answer.', audio: answerAudio24kMono(200, seed), firstChunkDelayMs: delayMs, chunkMs: MODEL_CHUNK_MS, speed: MODEL_SPEED });
}

async function firstAudibleOnce(bed: TestBed, delayMs: number, utterance: Int16Array): Promise<number> {
  const capture = bed.discord.capture(bed.ids.guild);
  capture.reset();
  // Every request of the sample (a withdrawn speculative one would take a script too) gets this model.
  for (let i = 0; i < 3; i++) script(bed, delayMs, 400 + i);
  const spoken = await withTimeout(bed.discord.speak(bed.ids.guild, bed.ids.alice, utterance), STEP_TIMEOUT_MS, 'the member to finish speaking');
  const packet = await pollUntil(() => firstSpeechPacketAfter(capture, spoken.lastSpeechPacketAt), STEP_TIMEOUT_MS, 'the first answer packet');
  await settle(bed);
  bed.openai.clearChatScripts();
  return packet.at - spoken.lastSpeechPacketAt;
}

/** The answer has played and been stored, so the next sample starts clean. */
async function settle(bed: TestBed): Promise<void> {
  await pollUntil(() => bed.bot.ctx.turns.pending(bed.ids.voice) === 0, STEP_TIMEOUT_MS, 'the turn to finish', 20);
  await bed.discord.capture(bed.ids.guild).waitForQuiet(150, STEP_TIMEOUT_MS);
}

async function measureConversation(bed: TestBed, earlyStartMs: number): Promise<ConversationResult> {
  const result: ConversationResult = { earlyStartMs, utterances: 0, requests: 0, started: 0, wasted: 0, answersPlayed: 0 };
  const before = await bed.bot.ctx.store.speculativeStarts(bed.ids.guild, 0);
  const requestsBefore = chatRequestCount(bed.openai);
  const answersBefore = await assistantTurns(bed);
  let seed = 500;
  for (const sentence of CONVERSATION) {
    for (let i = 0; i < 4; i++) script(bed, JUDGED_DELAY_MS, seed++);
    for (const [index, ms] of sentence.phrases.entries()) {
      const pause = sentence.pauses[index];
      // A client's voice activity detection ends every phrase with its five silence frames (100 ms) and
      // stops sending; the pause counts from the last speech.
      await bed.discord.speak(bed.ids.guild, bed.ids.alice, speechLike(ms, DISCORD_PCM_RATE, seed++, DISCORD_CHANNELS));
      if (pause !== undefined) await sleep(Math.max(0, pause - 100));
    }
    result.utterances++;
    await pollUntil(async () => (await assistantTurns(bed)) >= answersBefore + result.utterances, STEP_TIMEOUT_MS, 'the answer to be stored', 20);
    await settle(bed);
    bed.openai.clearChatScripts();
  }
  const after = await bed.bot.ctx.store.speculativeStarts(bed.ids.guild, 0);
  result.requests = chatRequestCount(bed.openai) - requestsBefore;
  result.started = after.started - before.started;
  result.wasted = after.wasted - before.wasted;
  result.answersPlayed = (await assistantTurns(bed)) - answersBefore;
  return result;
}

async function assistantTurns(bed: TestBed): Promise<number> {
  return (await bed.bot.ctx.store.history(bed.ids.voice)).filter((t) => t.kind === 'assistant').length;
}

/** Figure 7 rows. */
export function speculationFigures(r: SpeculationResults): Figure[] {
  const figures: Figure[] = [];
  const p50 = (early: number, delay: number) => summarize(r.firstAudibleMs[early]?.[delay] ?? []);
  const judged = { op: '<=' as const, value: r.silenceMs + JUDGED_MARGIN_MS };
  for (const delay of SPECULATION_MODEL_DELAYS_MS) {
    const off = p50(0, delay);
    const on = p50(r.earlyStartMs, delay);
    figures.push(
      figure(`speculation.${delay}.off`, `7. end of speech -> first audible, ${delay} ms model, no speculation (p50)`, off.p50, 'ms', null, `n=${off.n}`),
      figure(`speculation.${delay}.on`, `7. the same, speculation after ${r.earlyStartMs} ms (default) (p50)`, on.p50, 'ms', delay === JUDGED_DELAY_MS ? judged : null, `n=${on.n}`),
    );
  }
  for (const early of EARLY_WINDOWS_MS) {
    if (early === 0 || early === r.earlyStartMs) continue;
    const s = p50(early, JUDGED_DELAY_MS);
    figures.push(figure(`speculation.${JUDGED_DELAY_MS}.early${early}`, `7. ${JUDGED_DELAY_MS} ms model, speculation after ${early} ms (p50)`, s.p50, 'ms', null, `n=${s.n}`));
  }
  for (const c of r.conversations) {
    const which = c.earlyStartMs === r.earlyStartMs ? ' (default)' : '';
    figures.push(
      figure(`speculation.wastedShare.${c.earlyStartMs}`, `7. wasted speculative requests, early start ${c.earlyStartMs} ms${which}, conversation with pauses`, c.started > 0 ? (100 * c.wasted) / c.started : NaN, '%', null, `${c.wasted} of ${c.started} starts; ${c.requests} requests for ${c.utterances} sentences, ${c.answersPlayed} answers`),
    );
  }
  return figures;
}
