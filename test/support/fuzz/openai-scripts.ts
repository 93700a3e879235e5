/**
 * What the fake OpenAI answers during a fuzz run: short answers (so voice channels free up quickly)
 * with hostile transcripts, and now and then a fault: 429 and 5xx (with short retry-after so the SDK's
 * retries stay fast), 400/401, refusals, text-only answers, streams cut, reset or stalled.
 */
import type { ChatScript, Fault, FakeOpenAI, SpeechScript } from '../../harness/openai/index.ts';
import { speechLike } from '../signals.ts';
import type { Random } from './random.ts';
import { oddText } from './strings.ts';

const OPENAI_PCM_RATE_HZ = 24_000;
/** Retry hints that keep the SDK's two retries within milliseconds. */
const FAST_RETRY = { 'retry-after-ms': '10' };

/** A handful of short answer clips, shared by all scripts (thousands of copies would cost memory). */
function answerClips(): Int16Array[] {
  return [150, 250, 400].map((ms, i) => speechLike(ms, OPENAI_PCM_RATE_HZ, 700 + i));
}

function randomFault(random: Random): Fault | undefined {
  return random.weighted<() => Fault | undefined>([
    [80, () => undefined],
    [5, () => ({ kind: 'status', status: 429, times: random.int(1, 3), headers: FAST_RETRY, code: 'rate_limit_exceeded' })],
    [1, () => ({ kind: 'status', status: 429, code: 'insufficient_quota', message: 'You exceeded your current quota.' })],
    [3, () => ({ kind: 'status', status: random.pick([500, 502, 503]), times: 3, headers: FAST_RETRY })],
    [2, () => ({ kind: 'status', status: 400 })],
    [1, () => ({ kind: 'status', status: random.pick([401, 403, 404]) })],
    [3, () => ({ kind: 'cut', afterChunks: random.int(0, 6), midJson: random.chance(0.5) })],
    [3, () => ({ kind: 'reset', afterChunks: random.int(0, 6) })],
    [2, () => ({ kind: 'stall', afterChunks: random.int(0, 4) })],
  ])();
}

/** Queues `count` chat answers and `count` speech answers on the fake. */
export function scriptFuzzAnswers(openai: FakeOpenAI, random: Random, count: number): void {
  const clips = answerClips();
  const chat: ChatScript[] = [];
  const speech: SpeechScript[] = [];
  for (let i = 0; i < count; i++) {
    const script: ChatScript = { transcript: oddText(random, 200) || 'ok', audio: random.pick(clips), chunkMs: 50 };
    if (random.chance(0.03)) script.refusal = oddText(random, 100) || 'no';
    if (random.chance(0.03)) script.textOnly = true;
    const fault = randomFault(random);
    if (fault) script.fault = fault;
    chat.push(script);
    const spoken: SpeechScript = { audio: random.pick(clips), chunkMs: 50 };
    const speechFault = randomFault(random);
    if (speechFault) spoken.fault = speechFault;
    speech.push(spoken);
  }
  openai.scriptChat(...chat);
  openai.scriptSpeech(...speech);
}
