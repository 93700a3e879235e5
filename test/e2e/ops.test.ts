import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { healthReport, type HealthReport } from '../../src/ops/health.ts';
import { startOpsServer, type OpsServer } from '../../src/ops/http.ts';
import { createMetrics, type Metrics } from '../../src/ops/metrics.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';
import { checkHistogram, parseExposition, sampleValue } from '../unit/ops/parse-exposition.ts';

/** How often /healthz is polled while waiting for a state; the gateway stays down >= 500 ms on a drop. */
const POLL_MS = 20;

describe('ops endpoints around the running bot', () => {
  let bed: TestBed;
  let ops: OpsServer;
  let metrics: Metrics;
  /** Whether the core reports to metrics yet (ctx.metrics); until then turn counters stay at zero. */
  let wired = false;
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${ops.port}${path}`);
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };
  const health = async () => {
    const { status, text } = await get('/healthz');
    return { status, report: JSON.parse(text) as HealthReport };
  };
  const pollHealth = async (until: (h: { status: number; report: HealthReport }) => boolean, timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const h = await health();
      if (until(h)) return h;
      if (performance.now() > deadline) throw new Error(`/healthz never matched; last: ${h.status} ${JSON.stringify(h.report)}`);
      await sleep(POLL_MS);
    }
  };

  beforeAll(async () => {
    bed = await startTestBed();
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    const coreMetrics = (bed.bot.ctx as { metrics?: Metrics }).metrics;
    wired = coreMetrics !== undefined;
    metrics = coreMetrics ?? createMetrics();
    // Built around bed.bot at request time, so a restarted bot would be the one reported.
    ops = await startOpsServer({ port: 0, metrics, health: () => healthReport(bed.bot.ctx), log: bed.bot.ctx.log });
  });
  afterAll(async () => {
    await ops?.close();
    await bed?.close();
  });

  it('reports healthy once logged in, with no voice session yet', async () => {
    const { status, report } = await health();
    expect(status).toBe(200);
    expect(report).toMatchObject({ status: 'ok', gateway: { status: 'ready' }, store: { ok: true }, voiceSessions: 0 });
    expect(report.uptimeS).toBeGreaterThanOrEqual(0);
    // The fake's heartbeat interval is Discord's 41 s: no acknowledged heartbeat yet, so no ping.
    expect(report.gateway.ping === null || report.gateway.ping >= 0).toBe(true);
  });

  it('after one /ask in voice: /healthz counts the session and /metrics parses', async () => {
    bed.openai.scriptChat({ transcript: 'Metrics are fine.', audio: speechLike(600, OPENAI_PCM_RATE, 41), speed: 4 });
    const interaction = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'ask', options: { prompt: 'How are the metrics?' } });
    await interaction.waitFor((r) => r.kind === 'edit' && String(r.body.content).includes('Metrics are fine.') && !String(r.body.content).endsWith('…'), 20_000);

    const { status, report } = await health();
    expect(status).toBe(200);
    expect(report.voiceSessions).toBe(1);

    const scrape = await get('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parseExposition(scrape.text);
    for (const name of ['parley_turns_started_total', 'parley_turns_finished_total', 'parley_errors_total', 'parley_spend_usd_total']) {
      expect(families.get(name)?.type, name).toBe('counter');
    }
    checkHistogram(families.get('parley_end_of_turn_seconds')!);
    checkHistogram(families.get('parley_first_audio_seconds')!);
    expect(sampleValue(families, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(sampleValue(families, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('counts that /ask turn once the core reports to metrics', async (t) => {
    if (!wired) t.skip('ctx.metrics is not wired into the core yet');
    const families = parseExposition((await get('/metrics')).text);
    expect(sampleValue(families, 'parley_turns_started_total', { kind: 'ask' })).toBe(1);
    expect(sampleValue(families, 'parley_turns_finished_total', { kind: 'ask', status: 'complete' })).toBe(1);
    expect(checkHistogram(families.get('parley_first_audio_seconds')!).count).toBe(1);
    expect(checkHistogram(families.get('parley_end_of_turn_seconds')!).count).toBe(0);
  });

  it('reports a dropped gateway as degraded (503) until the session resumes', async () => {
    const resumesBefore = bed.discord.gatewayStats.resumes;
    bed.discord.dropGateway();
    const down = await pollHealth((h) => h.status === 503, 10_000);
    console.log(`gateway dropped: /healthz ${down.status} ${JSON.stringify(down.report.gateway)}`);
    expect(down.report.status).toBe('degraded');
    expect(['connecting', 'reconnecting', 'identifying', 'resuming']).toContain(down.report.gateway.status);
    expect(down.report.store.ok).toBe(true);

    const up = await pollHealth((h) => h.status === 200, 20_000);
    expect(up.report.gateway.status).toBe('ready');
    expect(bed.discord.gatewayStats.resumes).toBe(resumesBefore + 1);
  });

  it('reports a gateway that will not come back (token rejected: close 4004) as degraded', async () => {
    bed.discord.dropGateway(4004);
    const down = await pollHealth((h) => h.status === 503, 10_000);
    expect(down.report.gateway.status).toBe('disconnected');
    // It stays down: discord.js does not reconnect after an authentication failure.
    await sleep(1_000);
    const still = await health();
    expect(still.status).toBe(503);
    expect(still.report.gateway.status).toBe('disconnected');
  });
});
