/**
 * /latency: the last spoken turns as a timeline per turn, from the member's end of speech: the request
 * sent, the model's first audio, the first packet played; speculative starts are marked. The same numbers
 * go in the text, so the picture is never the only place they are.
 */
import type { TurnLatency } from '../listen/turn-latency.ts';
import { cachedChart, CHART_ROW_HEIGHT, CHART_WIDTH, renderChartPng } from './render.ts';

const COLORS = { wait: '#9aa5b1', model: '#f0a030', play: '#3b82f6' };

function label(turn: TurnLatency, index: number): string {
  return `${index + 1}. ${turn.speaker}${turn.speculative ? ' (early start)' : ''}${turn.skipped ? ' (not addressed)' : ''}`;
}

/** The turns as text, one line each. */
export function formatLatencyLines(turns: readonly TurnLatency[], silenceMs: number): string {
  const ms = (value: number | undefined) => (value === undefined ? '—' : `${value} ms`);
  const lines = turns.map((t, i) => {
    const played = t.skipped ? 'nothing played' : `first packet played ${ms(t.firstPlayedMs)}`;
    return `${label(t, i)}: request ${ms(t.requestMs)} → first model audio ${ms(t.firstModelAudioMs)} → ${played}`;
  });
  return [`Times after the end of speech (silence window ${silenceMs} ms):`, ...lines].join('\n');
}

/** The timeline chart as PNG. */
export function renderLatencyChart(turns: readonly TurnLatency[], silenceMs: number): Promise<Buffer> {
  return cachedChart(JSON.stringify(['latency', turns, silenceMs]), () => drawLatencyChart(turns, silenceMs));
}

function drawLatencyChart(turns: readonly TurnLatency[], silenceMs: number): Promise<Buffer> {
  const labels = turns.map(label);
  const range = (from: number | undefined, to: number | undefined): [number, number] | null =>
    from === undefined || to === undefined ? null : [from, to];
  const height = 140 + CHART_ROW_HEIGHT * Math.max(1, turns.length);
  return renderChartPng(
    {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'end of speech → request', data: turns.map((t) => range(0, t.requestMs)) as never, backgroundColor: COLORS.wait },
          { label: 'request → first model audio', data: turns.map((t) => range(t.requestMs, t.firstModelAudioMs)) as never, backgroundColor: COLORS.model },
          { label: 'first model audio → first packet played', data: turns.map((t) => range(t.firstModelAudioMs, t.firstPlayedMs)) as never, backgroundColor: COLORS.play },
        ],
      },
      options: {
        indexAxis: 'y',
        // Stacked on the turn axis only: the three ranges of a turn share its row, at their own times.
        scales: {
          y: { stacked: true },
          x: { beginAtZero: true, title: { display: true, text: `ms after the end of speech (silence window ${silenceMs} ms)` } },
        },
        plugins: { title: { display: true, text: 'Parley: the last spoken turns' }, legend: { position: 'bottom' } },
      },
    },
    CHART_WIDTH,
    height,
  );
}
