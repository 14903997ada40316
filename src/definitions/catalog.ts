/**
 * @module definitions/catalog
 * The in-memory view of what is served: each endpoint's state and its compiled published
 * version. Admin writes refresh it at once; a cheap change check every `pollIntervalMs`
 * picks up writes made by other instances sharing the store, and a full reload every
 * `FULL_RELOAD_MS` covers a change whose counter update was lost (a crash between the two).
 */
import { LRUCache } from 'lru-cache';
import type { EndpointStore } from '../storage/store';
import { compileEndpoint, type CompiledEndpoint } from './compile';
import type { EndpointState } from './types';

/** How often every instance reloads the whole catalog, whatever the change counter says. */
const FULL_RELOAD_MS = 60_000;

export interface CatalogEntry {
  state: EndpointState;
  /** The served version, for published and deprecated endpoints. */
  served?: CompiledEndpoint;
  /** Why the served version could not be compiled (data written around the admin API). */
  broken?: string;
}

export interface CatalogOptions {
  /** How often to look for writes by other instances, in ms. Default 1000; 0 turns it off. */
  pollIntervalMs?: number;
  /** Called when a background refresh fails. */
  onError?: (error: unknown) => void;
}

export class EndpointCatalog {
  readonly #store: EndpointStore;
  readonly #entries = new Map<string, CatalogEntry>();
  /** Compiled versions by `name@version`, shared by serving and the test route. */
  readonly #compiled = new LRUCache<string, CompiledEndpoint>({ max: 500 });
  #marker = -1;
  #loadedAt = 0;
  #timer?: NodeJS.Timeout;

  constructor(store: EndpointStore) {
    this.#store = store;
  }

  /** Loads every endpoint; call once before serving. */
  async load(): Promise<void> {
    this.#marker = await this.#store.changeMarker();
    this.#loadedAt = Date.now();
    const states = await this.#store.listStates();
    await Promise.all(states.map((state) => this.#put(state)));
    for (const name of [...this.#entries.keys()]) {
      if (!states.some((s) => s.name === name)) this.#entries.delete(name);
    }
  }

  /** What serves `name` right now, from memory. */
  get(name: string): CatalogEntry | undefined {
    return this.#entries.get(name);
  }

  entries(): CatalogEntry[] {
    return [...this.#entries.values()];
  }

  /** Re-reads one endpoint after a write through this instance. */
  async refresh(name: string): Promise<CatalogEntry | undefined> {
    const state = await this.#store.getState(name);
    if (!state) {
      this.#entries.delete(name);
      return undefined;
    }
    return this.#put(state);
  }

  /** A compiled version, from the cache or the store; null when it does not exist. */
  async compiled(name: string, version: number): Promise<CompiledEndpoint | null> {
    const key = `${name}@${version}`;
    const cached = this.#compiled.get(key);
    if (cached) return cached;
    const stored = await this.#store.getVersion(name, version);
    if (!stored) return null;
    const compiled = compileEndpoint(stored);
    this.#compiled.set(key, compiled);
    return compiled;
  }

  startPolling(options: CatalogOptions = {}): void {
    const interval = options.pollIntervalMs ?? 1000;
    if (interval <= 0) return;
    this.#timer = setInterval(() => {
      this.#pollOnce().catch((error) => options.onError?.(error));
    }, interval);
    this.#timer.unref();
  }

  stopPolling(): void {
    clearInterval(this.#timer);
  }

  async #pollOnce(): Promise<void> {
    const marker = await this.#store.changeMarker();
    const stale = Date.now() - this.#loadedAt > FULL_RELOAD_MS;
    if (marker !== this.#marker || stale) await this.load();
  }

  async #put(state: EndpointState): Promise<CatalogEntry> {
    const servable = state.status === 'published' || state.status === 'deprecated';
    let entry: CatalogEntry = { state };
    try {
      if (servable && state.publishedVersion !== null) {
        entry.served = (await this.compiled(state.name, state.publishedVersion)) ?? undefined;
      }
    } catch (error) {
      // One unreadable endpoint must not keep the others (or the whole server) from serving.
      entry = { state, broken: error instanceof Error ? error.message : String(error) };
    }
    this.#entries.set(state.name, entry);
    return entry;
  }
}
