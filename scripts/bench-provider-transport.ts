/**
 * @module scripts/bench-provider-transport
 * Measures how the OpenAI SDK sends requests: Node's built-in `fetch` against the keep-alive
 * `node:http` transport of `src/providers/http-transport.ts`. Loopback only: every request goes
 * to a scripted provider on 127.0.0.1, so the figure is the client-side cost per call.
 *
 * Run: `npm run build && node dist/scripts/bench-provider-transport.js [requests] [concurrency]`
 */
import OpenAI from 'openai';

import { createHttpTransport, type FetchLike } from '../src/providers/http-transport';
import { startScriptedProvider } from '../test/support/scripted-provider';

export interface BenchOptions {
  /** Chat completions per transport and round. Default 2000. */
  requests?: number;
  /** Requests in flight at once. Default 16. */
  concurrency?: number;
  /** Measured rounds per transport, alternating; the median counts. Default 3. */
  rounds?: number;
}

export interface BenchResult {
  /** Requests per second through the global `fetch` (median of the rounds). */
  fetchPerSecond: number;
  /** Requests per second through the keep-alive transport (median of the rounds). */
  transportPerSecond: number;
  /** `transportPerSecond / fetchPerSecond`. */
  ratio: number;
}

/** Run the benchmark and answer requests per second for each transport. */
export async function benchProviderTransport(options: BenchOptions = {}): Promise<BenchResult> {
  const { requests = 2000, concurrency = 16, rounds = 3 } = options;
  const provider = await startScriptedProvider();
  provider.fallback = { completion: { content: 'A short answer of a few words.' } };
  const transport = createHttpTransport();

  try {
    const viaFetch = makeClient(provider.url, globalThis.fetch);
    const viaTransport = makeClient(provider.url, transport.fetch);
    await run(viaFetch, 200, concurrency);
    await run(viaTransport, 200, concurrency);

    const fetchRates: number[] = [];
    const transportRates: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      fetchRates.push(await run(viaFetch, requests, concurrency));
      transportRates.push(await run(viaTransport, requests, concurrency));
      provider.requests.length = 0;
    }

    const fetchPerSecond = median(fetchRates);
    const transportPerSecond = median(transportRates);
    return { fetchPerSecond, transportPerSecond, ratio: transportPerSecond / fetchPerSecond };
  } finally {
    transport.close();
    await provider.close();
  }
}

function makeClient(baseURL: string, fetch: FetchLike): OpenAI {
  return new OpenAI({ baseURL, apiKey: 'bench', maxRetries: 0, logLevel: 'off', fetch });
}

/** `total` chat completions, `concurrency` at a time; answers requests per second. */
async function run(client: OpenAI, total: number, concurrency: number): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next += 1;
      await client.chat.completions.create({
        model: 'bench',
        messages: [{ role: 'user', content: 'Say something short.' }],
      });
    }
  };

  const startedAt = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  return total / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  const [requests, concurrency] = process.argv.slice(2).map(Number);
  const result = await benchProviderTransport({
    requests: requests || undefined,
    concurrency: concurrency || undefined,
  });

  const line = (label: string, value: number) => `${label.padEnd(28)} ${value.toFixed(0)} req/s\n`;
  process.stdout.write(line('global fetch (undici)', result.fetchPerSecond));
  process.stdout.write(line('keep-alive http transport', result.transportPerSecond));
  process.stdout.write(`ratio                        ${result.ratio.toFixed(2)}x\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  });
}
