import type { AssistantTextMessage, ChatMessage, SystemMessage, TextPart, UserMessage } from './messages.ts';
import type { AssistantTurn, Turn, UserTurn } from './types.ts';

export type * from './messages.ts';

/**
 * An assistant audio id is only sent while it stays valid this many seconds past "now": the
 * request may queue, stream and retry, and an id that expires in flight fails the whole call.
 */
export const AUDIO_ID_SAFETY_MARGIN_S = 30;
/**
 * Estimated input tokens per second of user audio. OpenAI's audio models bill input speech at
 * about one token per 100 ms (launch pricing: $100 per 1M audio tokens was quoted as ~$0.06 per
 * minute, i.e. 600 tokens per minute). The "128k context holds ~1 hour" rule of thumb (~35/s)
 * does not match the billed counts, so it is not used here.
 */
export const AUDIO_INPUT_TOKENS_PER_SECOND = 10;
/** Rough text density for English-like text. */
export const CHARS_PER_TOKEN = 4;
/** Per-message framing tokens (role markers and separators). */
export const MESSAGE_OVERHEAD_TOKENS = 4;
/**
 * A referenced assistant audio costs about three times its transcript's text tokens (speech runs
 * ~15 characters per second, which at 10 audio tokens per second is ~3x chars/4).
 */
export const AUDIO_REFERENCE_TEXT_MULTIPLIER = 3;
/** Marks an answer the listener cut short, so the model knows they did not hear the rest. */
export const INTERRUPTED_MARKER = '[interrupted]';

/** Inputs of {@link buildMessages}. */
export interface BuildMessagesInput {
  /** The system prompt. */
  persona: string;
  /** The channel's history, oldest first (may or may not already contain `current`). */
  turns: readonly Turn[];
  /** Current unix time in seconds, to decide which assistant audio ids are still valid. */
  nowUnixS: number;
  /** Estimated input tokens the whole request may use; history is dropped oldest first to fit. */
  tokenBudget: number;
  /** What the person just said; always sent, even if it alone exceeds the budget. */
  current: UserTurn;
}

/** Estimated input tokens of a request, split the way they are priced. */
export interface InputTokenEstimate {
  text: number;
  audio: number;
}

/**
 * Builds chat-completions `messages` for a channel: persona, as much recent history as fits the
 * token budget (never starting with an assistant message), then the current user turn.
 */
export function buildMessages(input: BuildMessagesInput): ChatMessage[] {
  return planMessages(input).messages;
}

/** {@link buildMessages}, with the estimated input tokens of what it kept (spend of a cut answer). */
export function planMessages(input: BuildMessagesInput): { messages: ChatMessage[]; inputTokens: InputTokenEstimate } {
  const { persona, turns, nowUnixS, tokenBudget, current } = input;
  const system: SystemMessage = { role: 'system', content: persona };
  const currentMessage = userTurnToMessage(current);
  const currentTokens = estimateUserTurnTokens(current, currentMessage);
  let remaining = tokenBudget - estimateTextTokens(persona) - currentTokens;

  const keptNewestFirst: { message: ChatMessage; tokens: number; audioTokens: number }[] = [];
  for (let index = turns.length - 1; index >= 0; index--) {
    const turn = turns[index];
    if (turn === undefined || turn.id === current.id) continue;
    const rendered = renderTurn(turn, nowUnixS);
    if (rendered === undefined) continue;
    // Stop at the first turn that does not fit: skipping it and keeping older ones would leave a hole.
    if (rendered.tokens > remaining) break;
    remaining -= rendered.tokens;
    keptNewestFirst.push(rendered);
  }
  const history = keptNewestFirst.reverse();
  // An answer without its question confuses the model; drop it rather than send it alone.
  while (history[0]?.message.role === 'assistant') history.shift();
  const audio = history.reduce((sum, kept) => sum + kept.audioTokens, userAudioTokens(current));
  const all = history.reduce((sum, kept) => sum + kept.tokens, estimateTextTokens(persona) + currentTokens);
  return {
    messages: [system, ...history.map((kept) => kept.message), currentMessage],
    inputTokens: { text: all - audio, audio },
  };
}

/**
 * A turn's message and its estimated input tokens (`audioTokens` of them audio); undefined for an empty
 * complete answer.
 */
export function renderTurn(
  turn: Turn,
  nowUnixS: number,
): { message: ChatMessage; tokens: number; audioTokens: number } | undefined {
  if (turn.kind === 'user') {
    const message = userTurnToMessage(turn);
    return { message, tokens: estimateUserTurnTokens(turn, message), audioTokens: userAudioTokens(turn) };
  }
  if (turn.status === 'complete' && hasUsableAudio(turn, nowUnixS)) {
    const audioTokens = Math.ceil((turn.transcript.length / CHARS_PER_TOKEN) * AUDIO_REFERENCE_TEXT_MULTIPLIER);
    return {
      message: { role: 'assistant', audio: { id: turn.audioId } },
      tokens: MESSAGE_OVERHEAD_TOKENS + audioTokens,
      audioTokens,
    };
  }
  const message = assistantTurnAsText(turn);
  if (message === undefined) return undefined;
  return { message, tokens: estimateTextTokens(message.content), audioTokens: 0 };
}

/**
 * For the single retry after OpenAI answers 400 "Assistant audio <id> not found": every
 * assistant audio reference becomes that turn's transcript. References to unknown ids (or with
 * nothing to say) are dropped.
 */
export function withTextInsteadOfAudioIds(messages: readonly ChatMessage[], turns: readonly Turn[]): ChatMessage[] {
  const byAudioId = new Map<string, AssistantTurn>();
  for (const turn of turns) {
    if (turn.kind === 'assistant' && turn.audioId !== undefined) byAudioId.set(turn.audioId, turn);
  }
  const result: ChatMessage[] = [];
  for (const message of messages) {
    if (!('audio' in message)) {
      result.push(message);
      continue;
    }
    const turn = byAudioId.get(message.audio.id);
    const replacement = turn === undefined ? undefined : assistantTurnAsText(turn);
    if (replacement !== undefined) result.push(replacement);
  }
  return result;
}

/** True for OpenAI's 400 telling that a referenced assistant audio id is gone (expired). */
export function isAssistantAudioNotFoundError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { status, message, error: body } = error as { status?: unknown; message?: unknown; error?: unknown };
  if (status !== 400) return false;
  const bodyMessage = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
  const pattern = /audio\b.*\bnot found/i;
  return [message, bodyMessage].some((text) => typeof text === 'string' && pattern.test(text));
}

/** The user message for a turn: its text, its audio while kept, else its transcript. */
export function userTurnToMessage(turn: UserTurn): UserMessage {
  const name = turn.speakerName;
  const content: UserMessage['content'] = [];
  const hasText = turn.text !== undefined && turn.text !== '';
  if (hasText) content.push(textPart(`${name}: ${turn.text}`));
  if (turn.audio !== undefined) {
    if (!hasText) content.push(textPart(`${name} said:`));
    content.push({
      type: 'input_audio',
      input_audio: { data: turn.audio.data.toString('base64'), format: turn.audio.format },
    });
  } else if (turn.transcript !== undefined && turn.transcript !== '') {
    content.push(textPart(`${name} said: ${turn.transcript}`));
  }
  // A recording that was dropped before it could be transcribed still happened.
  if (content.length === 0) content.push(textPart(`${name} said something that could not be transcribed.`));
  return { role: 'user', content };
}

function assistantTurnAsText(turn: AssistantTurn): AssistantTextMessage | undefined {
  if (turn.status === 'interrupted') {
    const heard = turn.transcript.trim();
    return { role: 'assistant', content: heard === '' ? INTERRUPTED_MARKER : `${heard} ${INTERRUPTED_MARKER}` };
  }
  return turn.transcript.trim() === '' ? undefined : { role: 'assistant', content: turn.transcript };
}

function hasUsableAudio(
  turn: AssistantTurn,
  nowUnixS: number,
): turn is AssistantTurn & { audioId: string; audioExpiresAt: number } {
  return (
    turn.audioId !== undefined &&
    turn.audioExpiresAt !== undefined &&
    turn.audioExpiresAt > nowUnixS + AUDIO_ID_SAFETY_MARGIN_S
  );
}

function estimateUserTurnTokens(turn: UserTurn, message: UserMessage): number {
  let chars = 0;
  for (const part of message.content) if (part.type === 'text') chars += part.text.length;
  return MESSAGE_OVERHEAD_TOKENS + Math.ceil(chars / CHARS_PER_TOKEN) + userAudioTokens(turn);
}

function userAudioTokens(turn: UserTurn): number {
  const audioSeconds = turn.audio === undefined ? 0 : turn.audio.durationMs / 1_000;
  return Math.ceil(audioSeconds * AUDIO_INPUT_TOKENS_PER_SECOND);
}

function estimateTextTokens(text: string): number {
  return MESSAGE_OVERHEAD_TOKENS + Math.ceil(text.length / CHARS_PER_TOKEN);
}

function textPart(text: string): TextPart {
  return { type: 'text', text };
}
