import { describe, expect, it } from 'vitest';
import { Turns } from '../../src/commands/turns.js';

/** A task that records when it starts and ends, and settles when told to. */
const controlled = (log: string[], name: string) => {
  let settle!: (fail: boolean) => void;
  const task = () => {
    log.push(`start ${name}`);
    return new Promise<string>((resolve, reject) => {
      settle = (fail) => {
        log.push(`end ${name}`);
        if (fail) reject(new Error(`${name} failed`));
        else resolve(name);
      };
    });
  };
  return { task, settle: (fail = false) => settle(fail) };
};

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Turns: commands on one document take turns', () => {
  it('runs tasks with one key one after another, in arrival order', async () => {
    const turns = new Turns();
    const log: string[] = [];
    const a = controlled(log, 'a');
    const b = controlled(log, 'b');
    const c = controlled(log, 'c');
    const results = [a, b, c].map(({ task }) => turns.run('po-1', task));
    await tick();
    expect(log).toEqual(['start a']);
    a.settle();
    await tick();
    expect(log).toEqual(['start a', 'end a', 'start b']);
    b.settle();
    await tick();
    c.settle();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(turns.busyKeys).toBe(0);
  });

  it('runs tasks with different keys at once', async () => {
    const turns = new Turns();
    const log: string[] = [];
    const a = controlled(log, 'a');
    const b = controlled(log, 'b');
    const first = turns.run('po-1', a.task);
    const second = turns.run('po-2', b.task);
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    expect(turns.busyKeys).toBe(2);
    b.settle();
    a.settle();
    expect(await Promise.all([first, second])).toEqual(['a', 'b']);
    expect(turns.busyKeys).toBe(0);
  });

  it('goes on after a task that fails, and gives the failure to its caller alone', async () => {
    const turns = new Turns();
    const log: string[] = [];
    const a = controlled(log, 'a');
    const b = controlled(log, 'b');
    const first = turns.run('po-1', a.task);
    const second = turns.run('po-1', b.task);
    a.settle(true);
    await expect(first).rejects.toThrow('a failed');
    await tick();
    b.settle();
    await expect(second).resolves.toBe('b');
    expect(turns.busyKeys).toBe(0);
  });

  it('goes on after a task that throws before returning its promise', async () => {
    const turns = new Turns();
    const first = turns.run('po-1', () => {
      throw new Error('thrown at once');
    });
    const second = turns.run('po-1', async () => 'next');
    await expect(first).rejects.toThrow('thrown at once');
    await expect(second).resolves.toBe('next');
    expect(turns.busyKeys).toBe(0);
  });
});
