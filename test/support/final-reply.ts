/**
 * The reply an interaction settles on: a direct reply (callback type 4), or the last edit or follow-up
 * once it no longer ends with "…" (a growing transcript is still being edited).
 */
import type { InteractionRecord } from '../harness/discord/interaction-record.ts';

export async function finalReply(interaction: InteractionRecord, timeoutMs: number): Promise<string> {
  await interaction.waitFor((r) => (r.kind === 'callback' && r.type === 4) || (r.kind !== 'callback' && !String(r.body?.content).endsWith('…')), timeoutMs);
  return interaction.lastContent() ?? '';
}
