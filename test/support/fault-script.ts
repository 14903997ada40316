/**
 * @module test/support/fault-script
 * Seeded fault injection for scripted providers, a bounded load runner, a client that records
 * every answer, circuit sampling, and the small statistics the fault suite reports. Every random choice comes from a seeded generator, so a run's sequence
 * of faults (by arrival order at each provider) is the same every time.
 */
import type { ScriptedProvider, ScriptStep } from './scripted-provider';
import type { TestServer } from './test-server';

/** mulberry32: a tiny seeded generator of numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a provider answers one request with, and the name it is tallied under. */
export interface FaultChoice {
  kind: string;
  step: ScriptStep;
}

/** Chooses the answer to the `index`-th request (0-based, in arrival order). */
export type FaultChooser = (random: () => number, index: number) => FaultChoice;

export interface FaultScript {
  /** Answers given so far, by kind. */
  readonly tally: Record<string, number>;
  /** The kind of each answer, by arrival index (the index into `provider.requests`). */
  readonly kinds: string[];
  /** Swap the chooser, e.g. to let a dead provider recover; the generator carries on. */
  use(chooser: FaultChooser): void;
}

/** Answer every request of `provider` through `chooser`, fed by a generator seeded with `seed`. */
export function scriptFaults(
  provider: ScriptedProvider,
  seed: number,
  chooser: FaultChooser,
): FaultScript {
  const random = mulberry32(seed);
  const tally: Record<string, number> = {};
  const kinds: string[] = [];
  let current = chooser;
  let index = 0;
  provider.respond = () => {
    const { kind, step } = current(random, index++);
    tally[kind] = (tally[kind] ?? 0) + 1;
    kinds.push(kind);
    return step;
  };
  return { tally, kinds, use: (next) => void (current = next) };
}

/** An nginx-style error page, what a proxy in front of a provider sends when it fails. */
export const HTML_502 =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>' +
  '<h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>';

const LABELS = ['positive', 'negative', 'neutral'] as const;

/** A valid sentiment completion after a short seeded delay (5 to 45 ms). */
export function healthyAnswer(random: () => number): FaultChoice {
  const label = LABELS[Math.floor(random() * LABELS.length)];
  const score = Math.round(random() * 100) / 100;
  const content = JSON.stringify({ label, score });
  return { kind: 'ok', step: { delayMs: 5 + Math.floor(random() * 40), completion: { content } } };
}

/** Runs `run` over `items` with at most `concurrency` in flight; results keep the items' order. */
export async function runBounded<T, R>(
  items: T[],
  concurrency: number,
  run: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** Fisher-Yates with a seeded generator. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Nearest-rank percentile (`p` in 0..100) of `values`; 0 when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;

  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Counts of `values` by their string form. */
export function countBy<T>(values: T[], key: (value: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) out[key(value)] = (out[key(value)] ?? 0) + 1;
  return out;
}

/** Far above any endpoint deadline of the suite: a request still open by then counts as hung. */
export const CLIENT_TIMEOUT_MS = 15_000;

/** One client request as the fault suite sees it. */
export interface FaultOutcome<E extends string = string> {
  endpoint: E;
  /** 0 when the request did not end within `CLIENT_TIMEOUT_MS`. */
  status: number;
  error?: string;
  contentType: string;
  text: string;
  body: Record<string, unknown> | undefined;
  /** `Promptgate-Attempts`; NaN when absent, 0 when the request did not end. */
  attempts: number;
  model: string | null;
  retryAfter: string | null;
  requestId: string | null;
  latencyMs: number;
}

/** `POST /v1/{endpoint}` with the admin token and its own client timeout; never throws. */
export async function sendInput<E extends string>(
  server: TestServer,
  endpoint: E,
  input: unknown,
): Promise<FaultOutcome<E>> {
  const started = Date.now();
  try {
    const response = await fetch(`${server.url}/v1/${endpoint}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    const text = await response.text();
    const header = (name: string) => response.headers.get(name);
    return {
      endpoint,
      status: response.status,
      contentType: header('content-type') ?? '',
      text,
      body: parseObject(text),
      attempts: Number(header('promptgate-attempts') ?? NaN),
      model: header('promptgate-model'),
      retryAfter: header('retry-after'),
      requestId: header('x-request-id'),
      latencyMs: Date.now() - started,
    };
  } catch (error) {
    const empty = { contentType: '', text: '', body: undefined, attempts: 0 };
    const missing = { model: null, retryAfter: null, requestId: null };
    const latencyMs = Date.now() - started;
    return { endpoint, status: 0, error: String(error), ...empty, ...missing, latencyMs };
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One provider's circuit as `GET /admin/providers` showed it at `at` (epoch ms). */
export interface HealthSample {
  at: number;
  state: string;
  openedAt: number | null;
  consecutiveFailures: number;
  recentErrors: { at: number; kind: string; status: number | null }[];
}

/** Every provider's circuit, by provider name. */
export async function providerHealth(server: TestServer): Promise<Record<string, HealthSample>> {
  const res = await server.request('GET', '/admin/providers');
  const items = res.body.items as { name: string; health: Omit<HealthSample, 'at'> }[];
  return Object.fromEntries(items.map((p) => [p.name, { at: Date.now(), ...p.health }]));
}

/**
 * Samples the circuits named in `samples` every `everyMs` until the returned stop function is
 * called; a circuit stays open at least its `openMs`, so a shorter period misses no opening.
 */
export function pollHealth(
  server: TestServer,
  samples: Record<string, HealthSample[]>,
  everyMs = 100,
): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      const all = await providerHealth(server);
      for (const name of Object.keys(samples)) samples[name].push(all[name]);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}
