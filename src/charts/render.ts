/**
 * Renders a Chart.js chart to PNG on @napi-rs/canvas: Chart.js (maintained, declarative) draws onto a
 * Skia canvas whose prebuilt binary comes from the npm registry, so nothing is compiled or downloaded
 * at install time. Drawing a small chart is synchronous and takes a few milliseconds; the PNG encoding
 * runs off the main thread.
 */
import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type ChartType, type DefaultDataPoint } from 'chart.js';

Chart.register(...registerables);

/** Image sizes: wide enough to read in a Discord embed preview, small enough to upload quickly. */
export const CHART_WIDTH = 900;
export const CHART_ROW_HEIGHT = 34;

/** A white background, so the chart reads in Discord's dark theme too. */
const background = {
  id: 'parleyBackground',
  beforeDraw(chart: Chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** Rendered charts kept, by what they show: a chart asked for again is not drawn again. */
const CACHE_ENTRIES = 32;
const cache = new Map<string, { png: Promise<Buffer>; at: number }>();

/**
 * The PNG for `key`, drawn by `render` only when not cached or older than `maxAgeMs`. Drawing takes tens
 * of milliseconds of the main thread, so a burst of /usage or /latency must not draw each one.
 */
export function cachedChart(key: string, render: () => Promise<Buffer>, maxAgeMs = Number.POSITIVE_INFINITY): Promise<Buffer> {
  const hit = cache.get(key);
  cache.delete(key);
  if (hit && performance.now() - hit.at < maxAgeMs) {
    cache.set(key, hit);
    return hit.png;
  }
  const png = render();
  cache.set(key, { png, at: performance.now() });
  png.catch(() => cache.delete(key));
  while (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return png;
}

export async function renderChartPng<T extends ChartType>(
  config: ChartConfiguration<T, DefaultDataPoint<T>, unknown>,
  width: number,
  height: number,
): Promise<Buffer> {
  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d') as SKRSContext2D;
  const chart = new Chart(context as unknown as ConstructorParameters<typeof Chart>[0], {
    ...config,
    options: { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 },
    plugins: [...(config.plugins ?? []), background],
  } as ChartConfiguration<T, DefaultDataPoint<T>, unknown>);
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}
