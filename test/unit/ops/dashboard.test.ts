import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/ops/metrics.ts';
import { parseExposition } from './parse-exposition.ts';

const DASHBOARD = new URL('../../../deploy/grafana/parley-dashboard.json', import.meta.url);
const README = new URL('../../../README.md', import.meta.url);

describe('Grafana dashboard', () => {
  it('queries only metrics Parley exposes, and shows every metric the README lists', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const queried = new Set(dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => target.expr.match(/\b(?:parley|process|nodejs)_[a-z0-9_]+/g) ?? [])).map((name) => name.replace(/_(bucket|sum|count)$/, '')));
    const exposed = parseExposition(await createMetrics().render());
    for (const name of queried) expect(exposed.has(name), name).toBe(true);
    const listed = [...readFileSync(README, 'utf8').matchAll(/^\s*\| `((?:parley|process|nodejs)_[a-z0-9_]+)/gm)].map((match) => match[1]!);
    expect(listed.length).toBeGreaterThanOrEqual(9);
    for (const name of listed) expect(queried.has(name), name).toBe(true);
  });
});
