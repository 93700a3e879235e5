/**
 * Estimated cost of model calls from their token usage, with OpenAI's published per-1M-token prices
 * as defaults. Operators override or add models with PARLEY_PRICES (JSON, same shape).
 */
import type { TokenUsage } from '../conversation/types.ts';

/** US dollars per 1M tokens, by kind. */
export interface ModelPrice {
  textIn: number;
  /** Cached input; defaults to textIn when a table leaves it out. */
  cachedIn?: number;
  audioIn: number;
  textOut: number;
  audioOut: number;
}

export type PriceTable = Record<string, ModelPrice>;

export const DEFAULT_PRICES: PriceTable = {
  'gpt-audio': { textIn: 2.5, audioIn: 32, textOut: 10, audioOut: 64 },
  'gpt-audio-2025-08-28': { textIn: 2.5, audioIn: 32, textOut: 10, audioOut: 64 },
  'gpt-audio-1.5': { textIn: 2.5, audioIn: 32, textOut: 10, audioOut: 64 },
  'gpt-audio-mini': { textIn: 0.6, audioIn: 10, textOut: 2.4, audioOut: 20 },
  'gpt-4o-mini-tts': { textIn: 0.6, audioIn: 0, textOut: 0, audioOut: 12 },
  'gpt-4o-mini-transcribe': { textIn: 1.25, audioIn: 3, textOut: 5, audioOut: 0 },
  // Realtime prices from OpenAI's model pages (checked 2026-12-03); cached input is cheaper.
  'gpt-realtime-2.1': { textIn: 4, cachedIn: 0.4, audioIn: 32, textOut: 24, audioOut: 64 },
  'gpt-realtime-2.1-mini': { textIn: 0.6, cachedIn: 0.06, audioIn: 10, textOut: 2.4, audioOut: 20 },
  // gpt-transcribe is billed $0.0045 per minute of audio; at the Realtime cost guide's ~600 audio tokens
  // per minute of speech that is $7.50 per 1M audio input tokens.
  'gpt-transcribe': { textIn: 0, audioIn: 7.5, textOut: 0, audioOut: 0 },
  'gpt-4o-transcribe': { textIn: 2.5, audioIn: 6, textOut: 10, audioOut: 0 },
};

/** A model missing from the table is priced like gpt-audio, so budgets err on the safe side. */
const FALLBACK_MODEL = 'gpt-audio';

/** Estimated dollars for one call. Cached tokens are part of the input counts and priced as cached. */
export function estimateCostUsd(model: string, tokens: TokenUsage, table: PriceTable = DEFAULT_PRICES): number {
  const price = table[model] ?? table[FALLBACK_MODEL] ?? DEFAULT_PRICES[FALLBACK_MODEL]!;
  const cachedPrice = price.cachedIn ?? price.textIn;
  const uncachedTextIn = Math.max(0, tokens.textIn - tokens.cachedIn);
  const perMillion =
    uncachedTextIn * price.textIn +
    Math.min(tokens.cachedIn, tokens.textIn) * cachedPrice +
    tokens.audioIn * price.audioIn +
    tokens.textOut * price.textOut +
    tokens.audioOut * price.audioOut;
  return perMillion / 1_000_000;
}

/** Parses PARLEY_PRICES: returns the merged table, or a problem sentence. */
export function parsePriceTable(json: string | undefined): { table: PriceTable } | { problem: string } {
  if (!json) return { table: DEFAULT_PRICES };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { problem: 'PARLEY_PRICES must be JSON, e.g. {"gpt-audio":{"textIn":2.5,"audioIn":32,"textOut":10,"audioOut":64}}.' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { problem: 'PARLEY_PRICES must be a JSON object keyed by model.' };
  const table: PriceTable = { ...DEFAULT_PRICES };
  for (const [model, value] of Object.entries(parsed)) {
    const price = value as Partial<ModelPrice>;
    const fields = ['textIn', 'audioIn', 'textOut', 'audioOut'] as const;
    if (fields.some((f) => typeof price[f] !== 'number' || !(price[f]! >= 0))) {
      return { problem: `PARLEY_PRICES: ${model} needs non-negative numbers textIn, audioIn, textOut and audioOut (dollars per 1M tokens).` };
    }
    table[model] = price as ModelPrice;
  }
  return { table };
}
