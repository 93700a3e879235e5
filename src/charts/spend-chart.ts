/** /usage: estimated spend per UTC day over the last 30 days, as a bar chart. */
import type { DailySpend } from '../conversation/usage-series.ts';
import { cachedChart, CHART_WIDTH, renderChartPng } from './render.ts';

export const SPEND_CHART_DAYS = 30;
const DAY_MS = 86_400_000;
const SPEND_CHART_HEIGHT = 360;

/** The last `SPEND_CHART_DAYS` UTC days ending today, with zero for days without spend. */
export function spendSeries(days: readonly DailySpend[], nowMs: number): DailySpend[] {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const byDay = new Map(days.map((d) => [d.day, d.costUsd]));
  return Array.from({ length: SPEND_CHART_DAYS }, (_, i) => {
    const day = today - (SPEND_CHART_DAYS - 1 - i) * DAY_MS;
    return { day, costUsd: byDay.get(day) ?? 0 };
  });
}

/** One server's chart is drawn at most this often (it may lag the exact text of /usage by as much). */
export const SPEND_CHART_MAX_AGE_MS = 30_000;

/** The server's spend chart, drawn again only when the last drawing is older than 30 s. */
export function renderSpendChart(guildId: string, series: readonly DailySpend[], budgetUsd: number): Promise<Buffer> {
  return cachedChart(`spend:${guildId}`, () => drawSpendChart(series, budgetUsd), SPEND_CHART_MAX_AGE_MS);
}

function drawSpendChart(series: readonly DailySpend[], budgetUsd: number): Promise<Buffer> {
  const labels = series.map((d) => new Date(d.day).toISOString().slice(5, 10));
  return renderChartPng(
    {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'estimated spend (USD)', data: series.map((d) => d.costUsd), backgroundColor: '#3b82f6' },
          ...(budgetUsd > 0
            ? [{ type: 'line' as const, label: 'daily budget', data: series.map(() => budgetUsd), borderColor: '#dc2626', pointRadius: 0, borderWidth: 2 }]
            : []),
        ] as never,
      },
      options: {
        scales: { y: { beginAtZero: true, title: { display: true, text: 'USD per UTC day' } } },
        plugins: { title: { display: true, text: `Parley: spend over the last ${SPEND_CHART_DAYS} days` }, legend: { position: 'bottom' } },
      },
    },
    CHART_WIDTH,
    SPEND_CHART_HEIGHT,
  );
}
