/** The benchmark's figures: each beside its target with PASS or FAIL, as a table and as JSON. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import path from 'node:path';
import { round } from './stats.ts';

/** A target: the figure must be at most (`<=`), below (`<`) or at least (`>=`) `value`. */
export interface Target {
  op: '<=' | '<' | '>=';
  value: number;
}

/** One printed figure. `pass` is null for figures without a target or without a value. */
export interface Figure {
  id: string;
  label: string;
  value: number | null;
  unit: string;
  target: Target | null;
  pass: boolean | null;
  /** Sample count or other context, printed after the value. */
  note?: string;
}

/** Builds a figure and judges it; NaN (nothing measured) counts as FAIL when there is a target. */
export function figure(id: string, label: string, value: number, unit: string, target: Target | null, note?: string, digits = 1): Figure {
  const measured = Number.isFinite(value);
  let pass: boolean | null = null;
  if (target) {
    if (!measured) pass = false;
    else if (target.op === '<=') pass = value <= target.value;
    else if (target.op === '<') pass = value < target.value;
    else pass = value >= target.value;
  }
  return { id, label, value: measured ? round(value, digits) : null, unit, target, pass, ...(note ? { note } : {}) };
}

function formatValue(value: number | null, unit: string): string {
  if (value === null) return 'n/a';
  return unit === '%' || unit === 'x' ? `${value}${unit}` : `${value} ${unit}`;
}

/** A Markdown table (also readable on a terminal). */
export function formatTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.label,
    formatValue(f.value, f.unit) + (f.note ? ` (${f.note})` : ''),
    f.target ? `${f.target.op} ${formatValue(f.target.value, f.unit)}` : '—',
    f.pass === null ? 'info' : f.pass ? 'PASS' : 'FAIL',
  ]);
  const header = ['figure', 'value', 'target', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The machine the figures come from. */
export interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  platform: string;
  memoryGb: number;
}

export function machineInfo(): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // Not Linux: the os module's model name is as good.
  }
  return { nproc: availableParallelism(), cpuModel, node: process.version, platform: `${process.platform} ${process.arch}`, memoryGb: round(totalmem() / 2 ** 30, 1) ?? 0 };
}

/** Writes `data` as pretty JSON, creating the folder. */
export function writeJson(file: string, data: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
}
