/**
 * The /usage report: spend, tokens by kind and turns, today and this month, read from the store.
 */
import type { Store } from '../conversation/store.ts';
import type { UsageSummary } from '../conversation/types.ts';
import { startOfUtcDay } from './guard.ts';

const TOP_MEMBERS = 5;

export function startOfUtcMonth(nowMs: number): number {
  const now = new Date(nowMs);
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
}

function dollars(usd: number): string {
  return usd < 0.01 && usd > 0 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

function line(label: string, summary: UsageSummary): string {
  const t = summary.tokens;
  return (
    `**${label}**: ${dollars(summary.costUsd)} over ${summary.turns} model calls` +
    `${summary.estimatedCalls > 0 ? ` (${summary.estimatedCalls} estimated: cut before OpenAI reported usage)` : ''}\n` +
    `  tokens in: ${t.textIn} text (${t.cachedIn} cached), ${t.audioIn} audio · out: ${t.textOut} text, ${t.audioOut} audio`
  );
}

export async function formatUsage(store: Store, guildId: string, options: { budgetUsd: number; withTopMembers: boolean; now: number }): Promise<string> {
  const today = await store.usageSummary(guildId, startOfUtcDay(options.now));
  const month = await store.usageSummary(guildId, startOfUtcMonth(options.now));
  const parts = [line('Today (UTC)', today), line('This month', month)];
  if (options.budgetUsd > 0) {
    const left = Math.max(0, options.budgetUsd - today.costUsd);
    parts.push(`Daily budget: ${dollars(options.budgetUsd)}, ${dollars(left)} left today.`);
  } else {
    parts.push('No daily budget is set.');
  }
  const speculative = await store.speculativeStarts(guildId, startOfUtcMonth(options.now));
  if (speculative.started > 0) {
    const share = Math.round((100 * speculative.wasted) / speculative.started);
    parts.push(`Speculative answer starts this month: ${speculative.started}, ${speculative.wasted} wasted (${share}%: the speaker went on talking).`);
  }
  if (options.withTopMembers && month.byUser.length > 0) {
    const top = month.byUser.slice(0, TOP_MEMBERS).map((u, i) => `${i + 1}. <@${u.userId}>: ${dollars(u.costUsd)} (${u.turns} calls)`);
    parts.push(`Top members this month:\n${top.join('\n')}`);
  }
  parts.push('-# Estimates from the token counts OpenAI reported (or, for cut answers, the audio and text received) and the configured prices.');
  return parts.join('\n');
}
