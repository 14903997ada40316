/**
 * @module providers/pools
 * Load balancing: a pool name stands for several providers serving the same models. Each call
 * draws the members in a weighted random order, healthy ones first, so traffic spreads by
 * weight and away from providers whose circuit is open; the rest stay as fallbacks.
 */
import type { ModelTarget } from '../definitions/types';
import type { PoolConfig } from './types';

export class ProviderPools {
  readonly #pools: Map<string, PoolConfig['members']>;
  readonly #random: () => number;

  /** @param random uniform in [0, 1); default `Math.random` */
  constructor(pools: PoolConfig[] = [], random: () => number = Math.random) {
    this.#pools = new Map(pools.map((p) => [p.name, p.members]));
    this.#random = random;
  }

  names(): string[] {
    return [...this.#pools.keys()];
  }

  list(): PoolConfig[] {
    return [...this.#pools].map(([name, members]) => ({ name, members: [...members] }));
  }

  has(name: string): boolean {
    return this.#pools.has(name);
  }

  /**
   * Replaces each pool candidate by its members, for the same model name. Duplicates (the same
   * provider and model reached twice) are kept once, at their first place.
   */
  expand(candidates: ModelTarget[], isHealthy: (provider: string) => boolean): ModelTarget[] {
    const out: ModelTarget[] = [];
    const seen = new Set<string>();
    for (const candidate of candidates) {
      const members = this.#pools.get(candidate.provider);
      const providers = members ? this.#order(members, isHealthy) : [candidate.provider];
      for (const provider of providers) {
        const key = `${provider}\u0000${candidate.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ provider, name: candidate.name });
      }
    }
    return out;
  }

  #order(members: PoolConfig['members'], isHealthy: (provider: string) => boolean): string[] {
    const healthy = members.filter((m) => isHealthy(m.provider));
    const unhealthy = members.filter((m) => !isHealthy(m.provider));
    return [...this.#weightedDraw(healthy), ...this.#weightedDraw(unhealthy)];
  }

  /** Draws without replacement, each pick with probability proportional to its weight. */
  #weightedDraw(members: PoolConfig['members']): string[] {
    const left = [...members];
    const order: string[] = [];
    while (left.length > 0) {
      const total = left.reduce((sum, m) => sum + m.weight, 0);
      let point = this.#random() * total;
      let index = left.findIndex((m) => (point -= m.weight) < 0);
      if (index < 0) index = left.length - 1;
      order.push(left[index].provider);
      left.splice(index, 1);
    }
    return order;
  }
}
