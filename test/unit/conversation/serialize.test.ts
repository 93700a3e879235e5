import { describe, expect, it } from 'vitest';
import { ChannelLocks, QueueFullError } from '../../../src/conversation/serialize.ts';

/** A promise settled from outside, to hold a task open for as long as a test needs. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('ChannelLocks', () => {
  it('runs one task per channel at a time, in arrival order', async () => {
    const locks = new ChannelLocks({ maxQueued: 10 });
    const events: string[] = [];
    let running = 0;
    const task = (name: string) => async () => {
      running++;
      expect(running).toBe(1);
      events.push(`start ${name}`);
      await new Promise((resolve) => setImmediate(resolve));
      events.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((name) => locks.run('chan', task(name))));
    expect(results).toEqual(['a', 'b', 'c', 'd']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c', 'start d', 'end d']);
    expect(locks.pending('chan')).toBe(0);
  });

  it('lets different channels run at the same time', async () => {
    const locks = new ChannelLocks();
    const first = gate();
    const blocked = locks.run('one', () => first.promise.then(() => 'one'));
    // Would never settle if channel "two" waited behind channel "one".
    await expect(locks.run('two', async () => 'two')).resolves.toBe('two');
    first.open();
    await expect(blocked).resolves.toBe('one');
  });

  it('keeps going after a failing task and passes its error to the caller', async () => {
    const locks = new ChannelLocks();
    const failing = locks.run('chan', async () => {
      throw new Error('boom');
    });
    const throwingSync = locks.run('chan', () => {
      throw new Error('sync boom');
    });
    const after = locks.run('chan', async () => 'after');
    await expect(failing).rejects.toThrow('boom');
    await expect(throwingSync).rejects.toThrow('sync boom');
    await expect(after).resolves.toBe('after');
  });

  it('rejects with QueueFullError beyond maxQueued waiting tasks, without running them', async () => {
    const locks = new ChannelLocks({ maxQueued: 2 });
    const hold = gate();
    const ran: string[] = [];
    const task = (name: string) => async () => {
      ran.push(name);
      await hold.promise;
      return name;
    };
    const accepted = [locks.run('chan', task('running')), locks.run('chan', task('q1')), locks.run('chan', task('q2'))];
    expect(locks.pending('chan')).toBe(3);

    const refused = locks.run('chan', task('q3'));
    await expect(refused).rejects.toBeInstanceOf(QueueFullError);
    await expect(refused).rejects.toMatchObject({ channelId: 'chan', maxQueued: 2 });
    await expect(locks.run('other', async () => 'fine')).resolves.toBe('fine');

    hold.open();
    await expect(Promise.all(accepted)).resolves.toEqual(['running', 'q1', 'q2']);
    expect(ran).toEqual(['running', 'q1', 'q2']);
    // Room again once the queue drained.
    await expect(locks.run('chan', async () => 'later')).resolves.toBe('later');
  });

  it('with maxQueued 0 allows only the running task', async () => {
    const locks = new ChannelLocks({ maxQueued: 0 });
    const hold = gate();
    const running = locks.run('chan', () => hold.promise);
    await expect(locks.run('chan', async () => 'no')).rejects.toBeInstanceOf(QueueFullError);
    hold.open();
    await running;
  });

  it('refuses a nonsensical bound', () => {
    expect(() => new ChannelLocks({ maxQueued: -1 })).toThrow(RangeError);
    expect(() => new ChannelLocks({ maxQueued: 1.5 })).toThrow(RangeError);
  });
});
