/**
 * @module scripts/bench-gateway
 * What promptgate costs on top of the provider: autocannon drives the same chat completion
 * (a) straight at the scripted provider and (b) through a generated endpoint of a promptgate
 * process (input validation, rendering, the SDK call, output parsing and validation), and
 * reports throughput and latency of both and their ratio, plus the gateway's memory.
 * Loopback only, bounded in time.
 *
 * Run: `npm run bench [-- --seconds 10 --connections 32]`
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startScriptedProvider } from '../test/support/scripted-provider';
import { definition } from '../test/support/test-server';

const ADMIN = 'bench-admin-token-0123456789';
const ANSWER = { label: 'positive', score: 0.93 };

interface Run {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
    },
  });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);

  const provider = await startScriptedProvider();
  provider.respond = () => ({ completion: { content: JSON.stringify(ANSWER) } });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'promptgate-bench-'));
  const port = await freePort();
  const gateway = startGateway(port, provider.url, dataDir);
  try {
    await waitForHealth(`http://127.0.0.1:${port}/healthz`);
    await createEndpoint(port);

    const chatBody = JSON.stringify({
      model: 'gpt-4o-mini',
      temperature: 0,
      messages: [
        { role: 'system', content: 'You classify sentiment.' },
        { role: 'user', content: 'Message:\nThe update fixed everything, thank you!' },
      ],
    });
    const direct = await load(
      `${provider.url}/chat/completions`,
      chatBody,
      {},
      seconds,
      connections,
    );
    const rssBefore = rssOf(gateway.pid!);
    const through = await load(
      `http://127.0.0.1:${port}/v1/bench-sentiment`,
      JSON.stringify({ text: 'The update fixed everything, thank you!' }),
      { authorization: `Bearer ${ADMIN}` },
      seconds,
      connections,
    );
    report({ direct, through, seconds, connections, rssBefore, gatewayPid: gateway.pid! });
  } finally {
    gateway.kill('SIGTERM');
    await provider.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function startGateway(port: number, providerUrl: string, dataDir: string): ChildProcess {
  return spawn(process.execPath, [path.join(__dirname, '..', 'src', 'main.js')], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_TOKEN: ADMIN,
      DATA_DIR: dataDir,
      OPENAI_BASE_URL: providerUrl,
      OPENAI_API_KEY: 'sk-bench',
      LOG_LEVEL: 'warn',
      SEED_TEMPLATES: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function createEndpoint(port: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/admin/endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify(definition({ name: 'bench-sentiment', publish: true })),
  });
  if (response.status !== 201) throw new Error(`endpoint not created: ${response.status}`);
}

async function load(
  url: string,
  body: string,
  headers: Record<string, string>,
  seconds: number,
  connections: number,
): Promise<Run> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections,
    duration: seconds,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

function report(figures: {
  direct: Run;
  through: Run;
  seconds: number;
  connections: number;
  rssBefore: number;
  gatewayPid: number;
}): void {
  const { direct, through } = figures;
  const lines = [
    `load: ${figures.seconds} s each, ${figures.connections} connections, loopback`,
    `direct to provider : ${direct.requestsPerSecond.toFixed(0)} req/s, p50 ${direct.p50} ms, p99 ${direct.p99} ms, errors ${direct.errors + direct.non2xx}`,
    `through promptgate : ${through.requestsPerSecond.toFixed(0)} req/s, p50 ${through.p50} ms, p99 ${through.p99} ms, errors ${through.errors + through.non2xx}`,
    `ratio (gateway / direct): throughput ${(through.requestsPerSecond / direct.requestsPerSecond).toFixed(2)}, p50 latency ${(through.p50 / Math.max(direct.p50, 0.01)).toFixed(2)}`,
    `gateway memory: RSS ${mib(figures.rssBefore)} before load, ${mib(rssOf(figures.gatewayPid))} after, peak ${mib(peakOf(figures.gatewayPid))}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function statusField(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return match ? Number(match[1]) * 1024 : NaN;
}
const rssOf = (pid: number) => statusField(pid, 'VmRSS');
const peakOf = (pid: number) => statusField(pid, 'VmHWM');
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForHealth(url: string): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('promptgate did not become healthy in 30 s');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
