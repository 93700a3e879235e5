import { describe, expect, it } from 'vitest';
import { AnswerGate, readSkipMarker } from '../../../src/answers/answer-gate.ts';

describe('readSkipMarker', () => {
  it('waits while the text could still become the marker, then decides', () => {
    expect(readSkipMarker('', '[skip]')).toBe('pending');
    expect(readSkipMarker(' [sk', '[skip]')).toBe('pending');
    expect(readSkipMarker('[SKIP]', '[skip]')).toBe('skip');
    expect(readSkipMarker('[skip] and more', '[skip]')).toBe('skip');
    expect(readSkipMarker('Sure', '[skip]')).toBe('answer');
    expect(readSkipMarker('[s', '[skip]')).toBe('pending');
    expect(readSkipMarker('[so', '[skip]')).toBe('answer');
  });
});

describe('AnswerGate', () => {
  const deferred = () => {
    let resolve!: (v: boolean) => void;
    const promise = new Promise<boolean>((r) => (resolve = r));
    return { promise, resolve };
  };

  it('opens at once without a hold or marker', () => {
    let opened = 0;
    new AnswerGate({ onOpen: () => opened++, onWithdraw: () => {} });
    expect(opened).toBe(1);
  });

  it('holds a speculative answer until confirmed', async () => {
    const hold = deferred();
    let opened = 0;
    const gate = new AnswerGate({ hold: hold.promise, onOpen: () => opened++, onWithdraw: () => {} });
    expect(opened).toBe(0);
    hold.resolve(true);
    await hold.promise;
    expect(opened).toBe(1);
    expect(gate.withdrawn).toBe(false);
  });

  it('withdraws when the hold resolves false, and never opens', async () => {
    const hold = deferred();
    let opened = 0;
    let withdrawn = 0;
    const gate = new AnswerGate({ hold: hold.promise, onOpen: () => opened++, onWithdraw: () => withdrawn++ });
    hold.resolve(false);
    await hold.promise;
    gate.finished();
    expect([opened, withdrawn, gate.withdrawn]).toEqual([0, 1, true]);
  });

  it('needs both the confirmation and the first words', async () => {
    const hold = deferred();
    let opened = 0;
    const gate = new AnswerGate({ hold: hold.promise, skipMarker: '[skip]', onOpen: () => opened++, onWithdraw: () => {} });
    hold.resolve(true);
    await hold.promise;
    expect(opened).toBe(0);
    gate.text('Hello');
    expect(opened).toBe(1);
  });

  it('never opens for a skipped answer; a too-short transcript counts as an answer at the end', () => {
    let opened = 0;
    const skipped = new AnswerGate({ skipMarker: '[skip]', onOpen: () => opened++, onWithdraw: () => {} });
    skipped.text('[skip]');
    skipped.finished();
    expect([opened, skipped.skipped]).toEqual([0, true]);
    const short = new AnswerGate({ skipMarker: '[skip]', onOpen: () => opened++, onWithdraw: () => {} });
    short.text('[');
    short.finished();
    expect(opened).toBe(1);
  });
});
