import { ProviderPools } from '../../src/providers/pools';

const pool = {
  name: 'spread',
  members: [
    { provider: 'a', weight: 3 },
    { provider: 'b', weight: 1 },
  ],
};

describe('ProviderPools', () => {
  it('leaves candidates that are not pools as they are', () => {
    const pools = new ProviderPools([pool]);
    const out = pools.expand([{ provider: 'x', name: 'm' }], () => true);
    expect(out).toEqual([{ provider: 'x', name: 'm' }]);
  });

  it('spreads first picks by weight', () => {
    const pools = new ProviderPools([pool]);
    const firsts = { a: 0, b: 0 } as Record<string, number>;
    for (let i = 0; i < 4000; i++) {
      firsts[pools.expand([{ provider: 'spread', name: 'm' }], () => true)[0].provider] += 1;
    }
    // 3:1 weights: about 3000 and 1000; the bounds are far outside random variation.
    expect(firsts.a).toBeGreaterThan(2700);
    expect(firsts.a).toBeLessThan(3300);
  });

  it('keeps every member, the other as a fallback', () => {
    const pools = new ProviderPools([pool], () => 0);
    expect(pools.expand([{ provider: 'spread', name: 'm' }], () => true)).toEqual([
      { provider: 'a', name: 'm' },
      { provider: 'b', name: 'm' },
    ]);
  });

  it('puts unhealthy members last whatever their weight', () => {
    const pools = new ProviderPools([pool], () => 0);
    const out = pools.expand([{ provider: 'spread', name: 'm' }], (p) => p !== 'a');
    expect(out.map((c) => c.provider)).toEqual(['b', 'a']);
  });

  it('drops repeats of the same provider and model', () => {
    const pools = new ProviderPools([pool], () => 0);
    const out = pools.expand(
      [
        { provider: 'spread', name: 'm' },
        { provider: 'b', name: 'm' },
        { provider: 'b', name: 'n' },
      ],
      () => true,
    );
    expect(out).toEqual([
      { provider: 'a', name: 'm' },
      { provider: 'b', name: 'm' },
      { provider: 'b', name: 'n' },
    ]);
  });
});
