import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { aggregateMetrics, createMetrics, LATENCY_BUCKETS_S, MAX_ERROR_KINDS, TURN_KINDS, TURN_STATUSES } from '../../../src/ops/metrics.ts';
import { checkHistogram, parseExposition, sampleValue } from './parse-exposition.ts';

const FAMILIES: Record<string, string> = {
  parley_turns_started_total: 'counter',
  parley_turns_finished_total: 'counter',
  parley_errors_total: 'counter',
  parley_end_of_turn_seconds: 'histogram',
  parley_first_audio_seconds: 'histogram',
  parley_speculative_requests_total: 'counter',
  parley_spend_usd_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  parley_uptime_seconds: 'gauge',
  nodejs_eventloop_lag_p99_seconds: 'gauge',
};

describe('Parley metrics', () => {
  it('starts with every family declared and every known series at zero', async () => {
    const families = parseExposition(await createMetrics().render());
    // The README's families, plus prom-client's default process and Node.js metrics.
    expect(Object.fromEntries([...families.values()].map((f) => [f.name, f.type]))).toMatchObject(FAMILIES);
    expect(families.has('process_cpu_seconds_total') && families.has('nodejs_heap_size_used_bytes')).toBe(true);
    for (const family of families.values()) expect(family.help.length).toBeGreaterThan(10);
    for (const kind of TURN_KINDS) {
      expect(sampleValue(families, 'parley_turns_started_total', { kind })).toBe(0);
      for (const status of TURN_STATUSES) expect(sampleValue(families, 'parley_turns_finished_total', { kind, status })).toBe(0);
    }
    expect(families.get('parley_turns_finished_total')!.samples).toHaveLength(9);
    expect(families.get('parley_errors_total')!.samples).toHaveLength(0);
    expect(sampleValue(families, 'parley_spend_usd_total')).toBe(0);
    for (const outcome of ['used', 'wasted']) expect(sampleValue(families, 'parley_speculative_requests_total', { outcome })).toBe(0);
    expect(sampleValue(families, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(sampleValue(families, 'parley_uptime_seconds')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(families, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('counts turns by kind and status', async () => {
    const metrics = createMetrics();
    metrics.turnStarted('ask');
    metrics.turnStarted('ask');
    metrics.turnStarted('talk');
    metrics.turnFinished('ask', 'complete');
    metrics.turnFinished('ask', 'failed');
    metrics.turnFinished('talk', 'interrupted');
    const families = parseExposition(await metrics.render());
    expect(sampleValue(families, 'parley_turns_started_total', { kind: 'ask' })).toBe(2);
    expect(sampleValue(families, 'parley_turns_started_total', { kind: 'talk' })).toBe(1);
    expect(sampleValue(families, 'parley_turns_started_total', { kind: 'announce' })).toBe(0);
    expect(sampleValue(families, 'parley_turns_finished_total', { kind: 'ask', status: 'complete' })).toBe(1);
    expect(sampleValue(families, 'parley_turns_finished_total', { kind: 'ask', status: 'failed' })).toBe(1);
    expect(sampleValue(families, 'parley_turns_finished_total', { kind: 'talk', status: 'interrupted' })).toBe(1);
  });

  it('records latencies given in ms as seconds, in voice-latency buckets from 5 ms to 10 s', async () => {
    const metrics = createMetrics();
    for (const ms of [4, 120, 650, 650, 1_800, 12_000]) metrics.endOfTurnMs(ms);
    metrics.firstAudioMs(300);
    metrics.firstAudioMs(-3);
    metrics.firstAudioMs(Number.NaN);
    const families = parseExposition(await metrics.render());
    const endOfTurn = checkHistogram(families.get('parley_end_of_turn_seconds')!);
    expect(endOfTurn.bounds.slice(0, -1)).toEqual(LATENCY_BUCKETS_S);
    expect(endOfTurn.bounds[0]).toBe(0.005);
    expect(endOfTurn.bounds.at(-2)).toBe(10);
    expect(endOfTurn.count).toBe(6);
    expect(endOfTurn.sum).toBeCloseTo(15.224, 9);
    const at = (bound: number) => endOfTurn.counts[endOfTurn.bounds.indexOf(bound)];
    expect(at(0.005)).toBe(1);
    expect(at(0.15)).toBe(2);
    expect(at(0.75)).toBe(4);
    expect(at(10)).toBe(5);
    const firstAudio = checkHistogram(families.get('parley_first_audio_seconds')!);
    expect(firstAudio.count).toBe(1);
    expect(firstAudio.sum).toBeCloseTo(0.3, 9);
  });

  it('reads spend from the usage records at every scrape, as one total without labels, never going down', async () => {
    let recorded = 0;
    let closed = false;
    const metrics = createMetrics({
      spentUsd: () => {
        if (closed) throw new Error('store closed');
        return recorded;
      },
    });
    recorded = 500 * 0.002;
    let families = parseExposition(await metrics.render());
    expect(families.get('parley_spend_usd_total')!.samples).toHaveLength(1);
    expect(families.get('parley_spend_usd_total')!.samples[0]!.labels).toEqual({});
    expect(sampleValue(families, 'parley_spend_usd_total')).toBeCloseTo(1, 9);
    recorded = Number.NaN;
    expect(sampleValue(parseExposition(await metrics.render()), 'parley_spend_usd_total')).toBeCloseTo(1, 9);
    closed = true;
    families = parseExposition(await metrics.render());
    expect(sampleValue(families, 'parley_spend_usd_total')).toBeCloseTo(1, 9);
  });

  it('caps distinct error kinds and escapes odd ones', async () => {
    const metrics = createMetrics();
    metrics.error('openai_429');
    metrics.error('openai_429');
    metrics.error('weird "kind"\\\nx');
    metrics.error('y'.repeat(500));
    for (let i = 0; i < MAX_ERROR_KINDS + 10; i += 1) metrics.error(`kind_${i}`);
    metrics.error('openai_429');
    const families = parseExposition(await metrics.render());
    const samples = families.get('parley_errors_total')!.samples;
    expect(samples).toHaveLength(MAX_ERROR_KINDS + 1);
    expect(sampleValue(families, 'parley_errors_total', { kind: 'openai_429' })).toBe(3);
    expect(sampleValue(families, 'parley_errors_total', { kind: 'weird "kind"\\\nx' })).toBe(1);
    expect(samples.some((s) => s.labels.kind === 'y'.repeat(48))).toBe(true);
    // 3 kinds were known before the loop, so 29 of the loop's 42 got their own series and 13 went to "other".
    expect(sampleValue(families, 'parley_errors_total', { kind: 'other' })).toBe(13);
  });

  it('reports event loop lag p99 since the previous scrape', async () => {
    const metrics = createMetrics();
    await metrics.render();
    await sleep(50);
    const until = performance.now() + 200;
    while (performance.now() < until) {
      // Block the loop: the delay monitor's timer fires about 200 ms late.
    }
    await sleep(50);
    const lag = sampleValue(parseExposition(await metrics.render()), 'nodejs_eventloop_lag_p99_seconds');
    console.log(`event loop p99 after a 200 ms block: ${(lag * 1_000).toFixed(1)} ms`);
    expect(lag).toBeGreaterThan(0.1);
  });

  it('merges several processes into one exposition: counters and histograms add up, memory sums, uptime is the longest', async () => {
    const shards = [createMetrics(), createMetrics({ spentUsd: () => 0.5 })];
    shards[0]!.turnStarted('ask');
    shards[1]!.turnStarted('ask');
    shards[1]!.turnStarted('talk');
    shards[0]!.firstAudioMs(200);
    shards[1]!.firstAudioMs(400);
    const snapshots = await Promise.all(shards.map((m) => m.snapshot()));
    const single = parseExposition(await shards[0]!.render());
    const families = parseExposition(await aggregateMetrics(snapshots));
    expect(Object.fromEntries([...families.values()].map((f) => [f.name, f.type]))).toMatchObject(FAMILIES);
    expect(sampleValue(families, 'parley_turns_started_total', { kind: 'ask' })).toBe(2);
    expect(sampleValue(families, 'parley_turns_started_total', { kind: 'talk' })).toBe(1);
    expect(sampleValue(families, 'parley_spend_usd_total')).toBeCloseTo(0.5, 9);
    const firstAudio = checkHistogram(families.get('parley_first_audio_seconds')!);
    expect(firstAudio.count).toBe(2);
    expect(firstAudio.sum).toBeCloseTo(0.6, 9);
    expect(sampleValue(families, 'process_resident_memory_bytes')).toBeGreaterThan(sampleValue(single, 'process_resident_memory_bytes'));
    expect(sampleValue(families, 'parley_uptime_seconds')).toBe(sampleValue(single, 'parley_uptime_seconds'));
  });
});
