/**
 * Addressed mode: an utterance the model declined to answer (its transcript began with the skip
 * marker). Nothing was played, but the exchange is stored so the next request carries what was said, and
 * Parley's own "stayed silent" reply keeps the model consistent about when it speaks.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../app-context.ts';
import type { SpokenAnswer } from '../ai/chat-audio.ts';
import type { AssistantTurn, ExchangeUsage, UserTurn } from '../conversation/types.ts';
import type { TurnKind } from '../ops/metrics.ts';

/** Stores the user turn and a skipped answer (the marker alone, never an audio id) with the call's usage. */
export async function storeSkipped(ctx: AppContext, skipped: { user: UserTurn; kind: TurnKind; marker: string }, answer: SpokenAnswer, usage: ExchangeUsage | undefined): Promise<void> {
  const { user, marker } = skipped;
  const assistant: AssistantTurn = {
    kind: 'assistant',
    id: randomUUID(),
    channelId: user.channelId,
    guildId: user.guildId,
    transcript: marker,
    status: 'complete',
    createdAt: Date.now(),
  };
  await ctx.store.appendExchange(user, assistant, usage);
  ctx.metrics.turnFinished(skipped.kind, 'complete');
  ctx.log.child({ turnId: user.id, conversation: user.channelId }).info('utterance not addressed to Parley: not answered', { chars: answer.text.length });
}
