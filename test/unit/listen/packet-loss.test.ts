import { describe, expect, it } from 'vitest';
import { isDaveCiphertext, MAX_CONCEALED_FRAMES, SequenceGaps } from '../../../src/listen/packet-loss.ts';

describe('SequenceGaps', () => {
  it('counts the packets missing before each one, across the 16-bit wrap', () => {
    const gaps = new SequenceGaps();
    expect(gaps.missingBefore(65_533)).toBe(0);
    expect(gaps.missingBefore(65_534)).toBe(0);
    expect(gaps.missingBefore(1)).toBe(2); // 65535 and 0 were lost
    expect(gaps.missingBefore(0)).toBe(0); // late: already concealed
    expect(gaps.missingBefore(2)).toBe(0);
    expect(gaps.missingBefore(undefined)).toBe(0);
  });

  it('treats a jump longer than the concealment limit as a new stream', () => {
    const gaps = new SequenceGaps();
    gaps.missingBefore(100);
    expect(gaps.missingBefore(100 + MAX_CONCEALED_FRAMES + 2)).toBe(0);
    expect(gaps.missingBefore(100 + MAX_CONCEALED_FRAMES + 4)).toBe(1);
  });
});

describe('isDaveCiphertext', () => {
  it('recognises the DAVE trailer and not plain opus', () => {
    const frame = Buffer.concat([Buffer.alloc(40, 7), Buffer.alloc(8, 1), Buffer.from([0x05, 12, 0xfa, 0xfa])]);
    expect(isDaveCiphertext(frame)).toBe(true);
    expect(isDaveCiphertext(Buffer.from([0xf8, 0xff, 0xfe]))).toBe(false);
    expect(isDaveCiphertext(Buffer.concat([Buffer.alloc(40, 7), Buffer.from([0x05, 2, 0xfa, 0xfa])]))).toBe(false);
  });
});
