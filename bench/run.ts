/**
 * `npm run bench [-- --quick]`: Parley's benchmark. Runs the real bot against the loopback test bed
 * with a scripted model, prints every figure beside its target, and writes them as JSON to
 * bench-results/latest.json. Targets are not tests: the run exits 0 whatever the figures say.
 */
import { mkdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestBed, type TestBed } from '../test/support/test-bed.ts';
import { measureDaveCost } from './dave-cost.ts';
import { measureInputPath, measureOutputPath } from './audio-paths.ts';
import { compareCodecLayouts } from './codec-layouts.ts';
import { measureCodecPool } from './codec-pool-cost.ts';
import { buildFigures, TARGETS, type BenchResults } from './figures.ts';
import { runLoadLevel } from './load.ts';
import { parseOptions, type BenchOptions } from './options.ts';
import { formatTable, machineInfo, writeJson } from './report.ts';
import { MODEL_CHUNK_MS, MODEL_FIRST_AUDIO_DELAY_MS, MODEL_SPEED } from './scripted-model.ts';
import { emptySingleGuildSamples, measureAsk, measureVoiceTurns } from './single-guild.ts';
import { roundSummary, summarize } from './stats.ts';
import { NON_STREAMING_MODEL, emptyFirstAudioSamples, measureFirstAudio } from './streaming.ts';
import { withTimeout } from './timing.ts';
import { measureSpeculation, speculationFigures, type SpeculationResults } from './speculation.ts';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const BED_TIMEOUT_MS = 30_000;

/** Per-step time budgets (ms): sampling stops early when a budget runs out. */
function budgets(options: BenchOptions) {
  return options.quick
    ? { ask: 12_000, voiceTurns: 12_000, streamed: 6_000, buffered: 10_000 }
    : { ask: 40_000, voiceTurns: 35_000, streamed: 15_000, buffered: 35_000 };
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
  const startedAt = performance.now();
  const results: BenchResults = {
    silenceMs: NaN,
    single: emptySingleGuildSamples(),
    firstAudio: emptyFirstAudioSamples(),
    load: [],
    audioPaths: {},
    errors: [],
  };
  let speculation: SpeculationResults | undefined;
  let finished = false;
  const finish = (reason: string): void => {
    if (finished) return;
    finished = true;
    report(options, results, startedAt, reason, speculation);
    process.exit(0);
  };
  setTimeout(() => finish(`watchdog: the run exceeded ${options.hardLimitMs / 1_000} s; figures so far`), options.hardLimitMs).unref();
  const limits = budgets(options);
  const step = async (name: string, timeoutMs: number, work: () => Promise<void>): Promise<void> => {
    const stepStart = performance.now();
    process.stdout.write(`${name} ... `);
    try {
      await withTimeout(work(), timeoutMs, name);
      console.log(`${((performance.now() - stepStart) / 1_000).toFixed(1)} s`);
    } catch (err) {
      console.log('failed');
      results.errors.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  console.log(`Parley benchmark (${options.quick ? 'quick' : 'full'}): scripted model ${MODEL_FIRST_AUDIO_DELAY_MS} ms to first audio, then ${MODEL_CHUNK_MS} ms chunks at ${MODEL_SPEED}x real time`);
  await step('6. audio paths', 60_000, async () => {
    results.audioPaths.output = measureOutputPath(options.audioPathSeconds);
    results.audioPaths.input = measureInputPath(options.audioPathSeconds);
    results.audioPaths.dave = measureDaveCost(options.audioPathSeconds);
    results.audioPaths.layouts = compareCodecLayouts(options.quick ? 3 : 7);
    results.audioPaths.pool = await measureCodecPool(options.quick ? 5 : 20);
  });

  let bed: TestBed | undefined;
  await step('start the test bed', BED_TIMEOUT_MS, async () => {
    // Figure 1 times the end-of-turn detection itself; speculative starts have figure 7.
    bed = await startTestBed({ PARLEY_EARLY_START_MS: '0' });
    bed.discord.setVoiceState(bed.ids.guild, bed.ids.alice, bed.ids.voice);
    results.silenceMs = bed.config.silenceMs;
  });
  if (bed) {
    const streamingBed = bed;
    await step('3. /ask (and 2. output latency)', limits.ask + 20_000, () => measureAsk(streamingBed, options.askSamples, limits.ask, results.single));
    await step('1. /talk voice turns (and 2.)', limits.voiceTurns + 20_000, () => measureVoiceTurns(streamingBed, options.voiceTurnSamples, limits.voiceTurns, results.single));
    await step('4. streamed 10 s answers', limits.streamed + 30_000, () => measureFirstAudio(streamingBed, 'streamed', options.streamingSamples, limits.streamed, results.firstAudio));
    await closeBed(streamingBed, results);
  }
  await step(`4. buffered 10 s answers (${NON_STREAMING_MODEL})`, limits.buffered + BED_TIMEOUT_MS + 30_000, async () => {
    const buffered = await withTimeout(startTestBed({ PARLEY_CHAT_MODEL: NON_STREAMING_MODEL }), BED_TIMEOUT_MS, 'the buffered test bed');
    try {
      buffered.discord.setVoiceState(buffered.ids.guild, buffered.ids.alice, buffered.ids.voice);
      await measureFirstAudio(buffered, 'buffered', options.streamingSamples, limits.buffered, results.firstAudio);
    } finally {
      await closeBed(buffered, results);
    }
  });
  await step('7. speculative answers', 480_000, async () => {
    speculation = await measureSpeculation({ samples: options.quick ? 3 : 8 });
    results.errors.push(...speculation.errors);
  });
  for (const guilds of options.loadGuildCounts) {
    // Large levels wait longer for their joins (see load-guild.ts).
    const setupMs = 20_000 + guilds * 400 + (guilds > 100 ? 60_000 : 0);
    const plan = {
      guilds,
      rampMs: options.loadRampMs,
      windowMs: options.loadWindowMs,
      profileMs: options.loadProfileMs,
      projectRoot: PROJECT_ROOT,
      profileFile: path.join(path.dirname(path.resolve(PROJECT_ROOT, options.outFile)), `load-${guilds}.cpuprofile`),
    };
    await step(`5. load, ${guilds} guilds`, setupMs + plan.rampMs + plan.windowMs + plan.profileMs + 40_000, async () => {
      mkdirSync(path.dirname(plan.profileFile), { recursive: true });
      results.load.push(await runLoadLevel(plan));
    });
  }
  results.errors.push(...results.single.errors, ...results.firstAudio.errors, ...results.load.flatMap((l) => l.errors.map((e) => `load ${l.guilds}: ${e}`)));
  finish('complete');
}

async function closeBed(bed: TestBed, results: BenchResults): Promise<void> {
  await withTimeout(bed.close(), 20_000, 'closing a test bed').catch((err: unknown) => results.errors.push(String(err)));
}

function report(options: BenchOptions, results: BenchResults, startedAt: number, reason: string, speculation?: SpeculationResults): void {
  const figures = [...buildFigures(results), ...(speculation ? speculationFigures(speculation) : [])];
  const machine = machineInfo();
  const durationS = Math.round((performance.now() - startedAt) / 100) / 10;
  console.log('');
  console.log(formatTable(figures));
  console.log('');
  console.log(`Machine: ${machine.nproc} cores, ${machine.cpuModel}, Node ${machine.node}. Run: ${options.quick ? 'quick' : 'full'}, ${durationS} s (${reason}).`);
  const checks = results.firstAudio.checks;
  const yesNo = (value: boolean | null): string => (value === null ? 'not checked' : value ? 'yes' : 'NO');
  console.log(`Buffered path: stream:true refused with a 400 and answered whole: ${yesNo(checks.streamingRefused)}; timed requests not streamed: ${yesNo(checks.bufferedRequestsNotStreamed)}; first packet after the whole answer was sent: ${yesNo(checks.firstPacketAfterWholeAnswer)}.`);
  console.log("Load: the bot runs alone in its own process (npm start); its CPU (all threads) and RSS come from /proc, the fakes and the members run in this one.");
  for (const level of results.load) {
    const top = level.profile?.top.filter((t) => t.owner !== 'gc').slice(0, 4).map((t) => `${t.fn} ${Math.round(t.ms)} ms (${t.where})`);
    if (top?.length) console.log(`  N=${level.guilds}, bot main thread's top self time over ${options.loadProfileMs / 1_000} s: ${top.join('; ')}`);
  }
  const failed = figures.filter((f) => f.pass === false).length;
  console.log(`${figures.length - failed - figures.filter((f) => f.pass === null).length} PASS, ${failed} FAIL (targets are not tests: exit code 0).`);
  const problems = results.errors.map((text) => (text.length > 300 ? `${text.slice(0, 300)}…` : text));
  if (problems.length > 0) console.log(`Problems:\n  ${problems.slice(0, 20).join('\n  ')}`);
  const outFile = path.resolve(PROJECT_ROOT, options.outFile);
  writeJson(outFile, {
    version: 1,
    generatedAt: new Date().toISOString(),
    mode: options.quick ? 'quick' : 'full',
    durationS,
    completed: reason === 'complete',
    machine,
    scriptedModel: { firstAudioDelayMs: MODEL_FIRST_AUDIO_DELAY_MS, chunkMs: MODEL_CHUNK_MS, speed: MODEL_SPEED },
    silenceMs: results.silenceMs,
    targets: TARGETS,
    figures,
    details: {
      voiceTurnMs: roundSummary(summarize(results.single.voiceTurnMs)),
      outputLatencyMs: roundSummary(summarize(results.single.outputLatencyMs)),
      askOverheadMs: roundSummary(summarize(results.single.askOverheadMs)),
      askColdJoinMs: roundSummary(summarize(results.single.askColdJoinMs)),
      firstAudioMs: {
        streamed: roundSummary(summarize(results.firstAudio.firstAudioMs.streamed)),
        buffered: roundSummary(summarize(results.firstAudio.firstAudioMs.buffered)),
        streamedFakeFirstChunk: roundSummary(summarize(results.firstAudio.fakeFirstChunkMs)),
        bufferedChecks: results.firstAudio.checks,
      },
      load: results.load,
      audioPaths: results.audioPaths,
      speculation,
    },
    errors: problems,
  });
  console.log(`Wrote ${path.relative(process.cwd(), outFile) || outFile}`);
}

await main();
