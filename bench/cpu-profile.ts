/**
 * Who used the CPU: V8's sampling profiler on this process (through the inspector, no flags needed),
 * with each sample attributed to the bot or to the fakes by the nearest frame that belongs to one of them.
 * The bot and the fakes share the process, so this is how the bot's own cost is separated.
 */
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';

/** The parts of a V8 CPU profile (`Profiler.stop`) used here. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** `profiler`: the inspector's own work (stopping and serializing the profile), left out of every share. */
export type Owner = 'bot' | 'fakes' | 'unattributed' | 'gc' | 'idle' | 'profiler';

/** Milliseconds of sampled main-thread time per owner, and the functions with the most self time. */
export interface CpuAttribution {
  ms: Record<Owner, number>;
  top: { ms: number; owner: Owner; fn: string; where: string }[];
}

/** Packages only the bot uses (its Discord, voice and OpenAI clients and their dependencies). */
const BOT_PACKAGES = /\/node_modules\/(discord\.js|@discordjs|discord-api-types|@sapphire|@vladfrangu|@snazzah|openai|prism-media|undici|magic-bytes\.js|lodash\.snakecase)\//;
/** Packages only the fakes use (schema validation, OpenAPI parsing, Ogg checks). */
const FAKE_PACKAGES = /\/node_modules\/(ajv|fast-deep-equal|json-schema-traverse|fast-uri|yaml|ogg-opus-decoder)\//;

/** Classifies one frame's script URL; undefined when it could belong to either side (node internals, ws, crypto). */
export function ownerOfUrl(url: string, projectRoot: string): Owner | undefined {
  if (url === '') return undefined;
  if (url.startsWith('node:inspector')) return 'profiler';
  const root = pathToFileURL(projectRoot).href.replace(/\/?$/, '/');
  if (url.includes('/node_modules/')) {
    if (BOT_PACKAGES.test(url)) return 'bot';
    if (FAKE_PACKAGES.test(url)) return 'fakes';
    return undefined;
  }
  if (url.startsWith(root + 'src/') || url.startsWith(root + 'commands/')) return 'bot';
  // The benchmark's driver counts with the fakes: it plays the users.
  if (url.startsWith(root + 'test/') || url.startsWith(root + 'bench/')) return 'fakes';
  // Node's bundled fetch is only the bot's (the SDKs); only the fakes run HTTP servers.
  if (url.startsWith('node:internal/deps/undici')) return 'bot';
  if (url.startsWith('node:_http_server')) return 'fakes';
  return undefined;
}

/** Attributes every sample of `profile`: the nearest classifiable frame from the leaf up decides. */
export function attributeProfile(profile: CpuProfile, projectRoot: string, topCount = 12): CpuAttribution {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const ownerCache = new Map<number, Owner>();
  const ownerOf = (id: number): Owner => {
    const cached = ownerCache.get(id);
    if (cached) return cached;
    const node = byId.get(id);
    const name = node?.callFrame.functionName;
    let owner: Owner | undefined;
    if (name === '(idle)') owner = 'idle';
    else if (name === '(garbage collector)') owner = 'gc';
    else if (node) owner = ownerOfUrl(node.callFrame.url, projectRoot);
    if (owner === undefined) {
      const parent = parentOf.get(id);
      owner = parent === undefined ? 'unattributed' : ownerOf(parent);
    }
    ownerCache.set(id, owner);
    return owner;
  };

  const ms: Record<Owner, number> = { bot: 0, fakes: 0, unattributed: 0, gc: 0, idle: 0, profiler: 0 };
  const selfMs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time since the previous sample: the time this sample stands for.
    const weight = (deltas[i] ?? 0) / 1_000;
    const id = samples[i]!;
    ms[ownerOf(id)] += weight;
    selfMs.set(id, (selfMs.get(id) ?? 0) + weight);
  }
  const merged = new Map<string, { ms: number; owner: Owner; fn: string; where: string }>();
  for (const [id, time] of selfMs) {
    const node = byId.get(id)!;
    const owner = ownerOf(id);
    if (owner === 'idle' || owner === 'profiler') continue;
    const fn = node.callFrame.functionName || '(anonymous)';
    const where = describeLocation(id, byId, parentOf, projectRoot);
    const key = `${owner} ${fn} ${where}`;
    const entry = merged.get(key) ?? { ms: 0, owner, fn, where };
    entry.ms += time;
    merged.set(key, entry);
  }
  const top = [...merged.values()].sort((a, b) => b.ms - a.ms).slice(0, topCount);
  return { ms, top };
}

/** `file:line`, or for native code (libopus, crypto) the nearest script frame that called it. */
function describeLocation(id: number, byId: Map<number, CpuProfile['nodes'][number]>, parentOf: Map<number, number>, projectRoot: string): string {
  const own = byId.get(id)!.callFrame;
  if (own.url) return `${shortUrl(own.url, projectRoot)}:${own.lineNumber + 1}`;
  for (let up = parentOf.get(id); up !== undefined; up = parentOf.get(up)) {
    const frame = byId.get(up)!.callFrame;
    if (frame.url) return `native, called from ${frame.functionName || '(anonymous)'} ${shortUrl(frame.url, projectRoot)}:${frame.lineNumber + 1}`;
  }
  return 'native';
}

function shortUrl(url: string, projectRoot: string): string {
  const root = pathToFileURL(projectRoot).href.replace(/\/?$/, '/');
  return url.startsWith(root) ? url.slice(root.length) : url;
}

/** The sampling profiler of this very process. */
export class InProcessProfiler {
  readonly #session = new Session();

  /** Starts sampling every `intervalUs` microseconds. */
  async start(intervalUs = 1_000): Promise<void> {
    this.#session.connect();
    await this.#session.post('Profiler.enable');
    await this.#session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.#session.post('Profiler.start');
  }

  /** Stops sampling and returns the profile. */
  async stop(): Promise<CpuProfile> {
    const { profile } = await this.#session.post('Profiler.stop');
    await this.#session.post('Profiler.disable');
    this.#session.disconnect();
    return profile as CpuProfile;
  }
}
