import { describe, expect, it } from 'vitest';
import { PacketGapTracker } from './packet-gaps.ts';

/** Feeds packets at the given times; `s` marks a silence frame. */
function feed(tracker: PacketGapTracker, packets: (number | [number, 's'])[]): void {
  for (const p of packets) {
    if (typeof p === 'number') tracker.push(p, false);
    else tracker.push(p[0], true);
  }
}

describe('PacketGapTracker', () => {
  it('counts gaps between answer packets and flags those over 40 ms', () => {
    const tracker = new PacketGapTracker();
    feed(tracker, [0, 20, 40, 100, 120]);
    expect(tracker.intervals).toBe(4);
    expect(tracker.late).toBe(1);
    expect(tracker.speechPackets).toBe(5);
  });

  it('does not count the pause after an answer and its five trailing silence frames', () => {
    const gaps: number[] = [];
    const tracker = new PacketGapTracker(gaps);
    feed(tracker, [0, 20, [40, 's'], [60, 's'], [80, 's'], [100, 's'], [120, 's'], 5_000, 5_020]);
    expect(tracker.late).toBe(0);
    expect(gaps).toEqual([20, 20, 20, 20, 20, 20, 20]);
  });

  it('counts a late packet after fewer than five silence frames (the answer went on)', () => {
    const tracker = new PacketGapTracker();
    feed(tracker, [0, [20, 's'], [40, 's'], 120]);
    expect(tracker.late).toBe(1);
  });

  it('counts only packets inside the window', () => {
    const tracker = new PacketGapTracker();
    tracker.setWindow(50, 200);
    feed(tracker, [0, 20, 100, 120, 300]);
    expect(tracker.intervals).toBe(2);
    expect(tracker.late).toBe(1);
    expect(tracker.speechPackets).toBe(2);
  });
});
