import { Bulkhead, mapConcurrent } from '../../src/resilience/bulkhead';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Bulkhead', () => {
  it('runs at most `limit` tasks at once and the rest in arrival order', async () => {
    const bulkhead = new Bulkhead(2);
    const order: number[] = [];
    const releases: Array<() => void> = [];
    const tasks = [0, 1, 2, 3].map((i) =>
      bulkhead.run(async () => {
        order.push(i);
        await new Promise<void>((resolve) => releases.push(resolve));
      }),
    );
    await tick();
    expect(order).toEqual([0, 1]);
    expect(bulkhead.waiting).toBe(2);
    releases[0]();
    await tick();
    await tick();
    expect(order).toEqual([0, 1, 2]);
    releases.slice(1).forEach((r) => r());
    await tick();
    await tick();
    releases.slice(3).forEach((r) => r());
    await Promise.all(tasks);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(bulkhead.running).toBe(0);
  });

  it('releases the slot when a task fails', async () => {
    const bulkhead = new Bulkhead(1);
    await expect(bulkhead.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(bulkhead.run(async () => 'ok')).resolves.toBe('ok');
  });

  it('refuses a limit below 1', () => {
    expect(() => new Bulkhead(0)).toThrow(TypeError);
  });
});

describe('mapConcurrent', () => {
  it('keeps the order of results whatever order tasks finish in', async () => {
    const delays = [30, 5, 15, 0];
    const results = await mapConcurrent(delays, 2, async (ms, i) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return i;
    });
    expect(results).toEqual([0, 1, 2, 3]);
  });
});
