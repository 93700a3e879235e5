/**
 * The container's HEALTHCHECK: `node src/ops/healthcheck.ts` exits 0 when `GET /healthz` answers 200,
 * 1 otherwise. Without METRICS_PORT there is no endpoint to ask, so the container counts as healthy
 * (Docker then only knows whether the process runs). Uses only Node built-ins: the slim image has no
 * curl or wget.
 */

/** Docker's own timeout kills the check too; this one makes a hung server an ordinary failure. */
const REQUEST_TIMEOUT_MS = 4_000;
/** Hosts that mean "every interface": the check reaches them through loopback. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/** The URL of the health endpoint for this environment, or undefined when none is configured. */
export function healthUrl(env: Record<string, string | undefined>): string | undefined {
  const port = env.METRICS_PORT?.trim();
  if (!port) return undefined;
  const configured = env.METRICS_HOST?.trim();
  const host = !configured || WILDCARD_HOSTS.has(configured) ? '127.0.0.1' : configured;
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${hostPart}:${port}/healthz`;
}

/** 0 when healthy (or nothing to check), 1 otherwise; the reason goes to stderr for `docker inspect`. */
export async function runHealthcheck(env: Record<string, string | undefined>): Promise<number> {
  const url = healthUrl(env);
  if (!url) return 0;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = await response.text();
    if (response.status === 200) return 0;
    process.stderr.write(`unhealthy: HTTP ${response.status} ${body.slice(0, 500)}\n`);
    return 1;
  } catch (err) {
    process.stderr.write(`unhealthy: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await runHealthcheck(process.env);
}
