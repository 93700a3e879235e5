/**
 * One guild of the load test: a member in voice who runs /talk start and then keeps a conversation
 * going (speak, hear the whole answer, pause, speak again) until told to stop.
 */
import { performance } from 'node:perf_hooks';
import type { FakeDiscord } from '../test/harness/discord/index.ts';
import type { FakeOpenAI, RecordedRequest } from '../test/harness/openai/index.ts';
import { PacketGapTracker } from './packet-gaps.ts';
import { CHAT_PATH, scriptedAnswer } from './scripted-model.ts';
import { pollUntil, sleep, withTimeout } from './timing.ts';

/** The fakes the bot talks to; the bot itself runs in another process, seen only through them. */
export interface LoadBed {
  discord: FakeDiscord;
  openai: FakeOpenAI;
}

/** What every guild says and hears (shared: generating signals per guild would cost more than the bot). */
export interface ConversationAudio {
  utterance48kStereo: Int16Array;
  answer24kMono: Int16Array;
}

/** A timed turn: when it happened and its latencies. */
export interface TurnTiming {
  at: number;
  voiceTurnMs: number;
  outputLatencyMs: number;
}

export interface LoadGuild {
  index: number;
  guildId: string;
  textId: string;
  voiceId: string;
  memberId: string;
  /** The member's display name: the bot's request says "<name> said:", which ties a request to its guild. */
  name: string;
  tracker: PacketGapTracker;
  turns: TurnTiming[];
  /** Waits that ran out (no answer, an answer that never ended). */
  timeouts: number;
  errors: string[];
}

/**
 * Joining voice waits for the gateway (op 4) and the voice handshake of every guild before it. At 150
 * guilds, guilds 114-119 never join (the same six in every run, even given 90 s; not yet explained:
 * Discord's 120 gateway commands per 60 s, https://discord.com/developers/docs/events/gateway#rate-limiting,
 * is the suspect, but the fake enforces no limit); the level then runs with the guilds that joined.
 */
const JOIN_TIMEOUT_MS = 90_000;
const ANSWER_START_TIMEOUT_MS = 20_000;
const ANSWER_END_TIMEOUT_MS = 40_000;
/** No packet for this long after the whole answer arrived: the trailing silence frames are over. */
const ANSWER_OVER_QUIET_MS = 150;
const POLL_MS = 50;
/** 20 ms of the model's 24 kHz mono. */
const ANSWER_SAMPLES_PER_FRAME = 480;

/**
 * Adds guild `index` with a text channel, a voice channel and one member in it. The guild and the voice
 * state reach the bot on its gateway connection before any later interaction does, so /talk start finds them.
 */
export function addLoadGuild(bed: LoadBed, index: number, gaps: number[]): LoadGuild {
  const name = `Member-${index}`;
  const guild = bed.discord.addGuild({
    name: `Load ${index}`,
    channels: [
      { name: 'general', type: 'text' },
      { name: 'Lounge', type: 'voice' },
    ],
    members: [{ username: `member${index}`, displayName: name }],
  });
  const load: LoadGuild = {
    index,
    guildId: guild.id,
    textId: guild.channel('general').id,
    voiceId: guild.channel('Lounge').id,
    memberId: guild.member(`member${index}`).id,
    name,
    tracker: new PacketGapTracker(gaps),
    turns: [],
    timeouts: 0,
    errors: [],
  };
  bed.discord.setVoiceState(load.guildId, load.memberId, load.voiceId);
  return load;
}

/** /talk start: the bot joins the member's channel and listens. */
export async function startTalking(bed: LoadBed, load: LoadGuild): Promise<void> {
  const start = bed.discord.sendSlashCommand({ guildId: load.guildId, channelId: load.textId, userId: load.memberId, name: 'talk', subcommand: 'start' });
  await start.waitFor((r) => r.kind === 'edit', JOIN_TIMEOUT_MS);
  await bed.discord.waitForBotVoice(load.guildId, load.voiceId, JOIN_TIMEOUT_MS);
}

/** Moves the packets the fake captured into the gap tracker; the capture is emptied so memory stays flat. */
export function drainCapture(bed: LoadBed, load: LoadGuild, onSpeech?: (at: number) => void): void {
  const packets = bed.discord.capture(load.guildId).packets.splice(0);
  for (const packet of packets) {
    load.tracker.push(packet.at, packet.silence);
    if (!packet.silence) onSpeech?.(packet.at);
  }
}

/**
 * Talks until `stopped()`: speak, wait for the whole answer, pause `thinkMs()`, again. Never rejects;
 * failures are counted on the guild (a stopped test bed ends the loop through them).
 */
export async function converse(bed: LoadBed, load: LoadGuild, audio: ConversationAudio, stopped: () => boolean, thinkMs: () => number): Promise<void> {
  await sleep(thinkMs());
  while (!stopped()) {
    try {
      await oneTurn(bed, load, audio, stopped);
    } catch (err) {
      if (stopped()) return;
      const message = String(err);
      if (/timed out|within \d+ ms/.test(message)) load.timeouts++;
      // The fakes' messages can list every request they saw: the start says enough.
      if (load.errors.length < 3) load.errors.push(message.length > 200 ? `${message.slice(0, 200)}…` : message);
    }
    await sleep(thinkMs());
  }
}

async function oneTurn(bed: LoadBed, load: LoadGuild, audio: ConversationAudio, stopped: () => boolean): Promise<void> {
  // Polls end as soon as the run stops (the test bed is closing), not at their timeouts.
  const drain = (onSpeech?: (at: number) => void): void => {
    if (stopped()) throw new Error('stopped');
    drainCapture(bed, load, onSpeech);
  };
  bed.openai.scriptChat(scriptedAnswer(audio.answer24kMono));
  const spoken = await withTimeout(bed.discord.speak(load.guildId, load.memberId, audio.utterance48kStereo), ANSWER_START_TIMEOUT_MS, `${load.name} speaking`);
  const endOfSpeech = spoken.lastSpeechPacketAt;
  const request = await bed.openai.waitForRequest((r) => r.path === CHAT_PATH && r.at > endOfSpeech && saidBy(r, load.name), ANSWER_START_TIMEOUT_MS);
  let firstSpeechAt: number | undefined;
  let answerPackets = 0;
  const noteFirst = (at: number): void => {
    if (at <= endOfSpeech) return;
    firstSpeechAt ??= at;
    answerPackets++;
  };
  await pollUntil(() => (drain(noteFirst), firstSpeechAt !== undefined), ANSWER_START_TIMEOUT_MS, `${load.name}'s answer to start`, POLL_MS);
  const firstChunkAt = request.chunkSentAt[0];
  if (firstChunkAt !== undefined && firstSpeechAt !== undefined) {
    load.turns.push({ at: firstSpeechAt, voiceTurnMs: request.at - endOfSpeech, outputLatencyMs: firstSpeechAt - firstChunkAt });
  }
  // Over when every packet of the answer arrived and the trailing silence has gone out: a member who
  // waits for that never barges in, even when a stalled bot leaves long gaps mid-answer.
  const answerFrames = Math.floor(audio.answer24kMono.length / ANSWER_SAMPLES_PER_FRAME);
  await pollUntil(
    () => (drain(noteFirst), answerPackets >= answerFrames && performance.now() - load.tracker.lastPacketAt >= ANSWER_OVER_QUIET_MS),
    ANSWER_END_TIMEOUT_MS,
    `${load.name}'s answer to end`,
    POLL_MS,
  );
}

/** Whether a chat request's newest message is this member's spoken turn ("<name> said:"). */
function saidBy(request: RecordedRequest, name: string): boolean {
  const messages = (request.body as { messages?: { content?: unknown }[] } | undefined)?.messages;
  const content = messages?.at(-1)?.content;
  if (!Array.isArray(content)) return false;
  const first = content[0] as { type?: string; text?: string } | undefined;
  return first?.type === 'text' && first.text === `${name} said:`;
}
