import { ResponseCache, canonicalJson } from '../../src/cache/response-cache';
import { isCallAborted } from '../../src/resilience/call-aborted-error';

describe('ResponseCache', () => {
  it('keys inputs equal as JSON alike, whatever their key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(ResponseCache.key('e', 1, { a: 1, b: 2 })).toBe(
      ResponseCache.key('e', 1, { b: 2, a: 1 }),
    );
    expect(ResponseCache.key('e', 1, { a: 1 })).not.toBe(ResponseCache.key('e', 2, { a: 1 }));
  });

  it('returns copies, so a caller cannot change what is cached', () => {
    const cache = new ResponseCache();
    cache.set('k', { list: [1] }, 60);
    (cache.get('k') as { list: number[] }).list.push(2);
    expect(cache.get('k')).toEqual({ list: [1] });
  });

  it('aborts a shared call only when every waiting caller has left', async () => {
    const cache = new ResponseCache();
    let sharedSignal: AbortSignal | undefined;
    const call = (signal: AbortSignal) => {
      sharedSignal = signal;
      return new Promise<string>((resolve) => setTimeout(() => resolve('done'), 50));
    };
    const first = new AbortController();
    const second = new AbortController();
    const a = cache.shared('k', first.signal, call).catch((e) => e);
    const b = cache.shared('k', second.signal, call);
    first.abort();
    expect(isCallAborted(await a)).toBe(true);
    expect(sharedSignal?.aborted).toBe(false);
    await expect(b).resolves.toEqual({ value: 'done', leader: false });
  });
});
