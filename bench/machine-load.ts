/**
 * How busy the rest of the machine was: the whole system's CPU time (Linux /proc/stat) minus this
 * process's own. Other programs on a 2-core machine make packets late too, so every load level says it.
 */
import { readFileSync } from 'node:fs';

/** Linux reports /proc/stat in USER_HZ ticks, 100 per second on every mainstream kernel. */
const TICKS_PER_SECOND = 100;

/** A reading to compare against later; undefined fields where the platform has no /proc/stat. */
export interface CpuReading {
  systemBusyS: number | undefined;
  processUs: NodeJS.CpuUsage;
  at: number;
}

function systemBusySeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...: idle and iowait are the not-busy ones.
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return (total - fields[3]! - fields[4]!) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export function readCpu(): CpuReading {
  return { systemBusyS: systemBusySeconds(), processUs: process.cpuUsage(), at: performance.now() };
}

/** Cores kept busy by other processes between `since` and now (NaN where unknown). */
export function otherProcessesCores(since: CpuReading): number {
  const now = readCpu();
  if (since.systemBusyS === undefined || now.systemBusyS === undefined) return NaN;
  const ownS = (now.processUs.user - since.processUs.user + now.processUs.system - since.processUs.system) / 1e6;
  const wallS = (now.at - since.at) / 1_000;
  return Math.max(0, now.systemBusyS - since.systemBusyS - ownS) / wallS;
}
