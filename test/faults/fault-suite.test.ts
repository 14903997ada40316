/**
 * Issue 3, item 9: the real server under concurrent load against scripted providers that
 * misbehave in seeded, reproducible ways. `flaky` fails 35% of attempts (30% a 502 HTML page, 3%
 * a reset, 2% slower than the attempt timeout) and gives invalid output now and then; `limited`
 * opens with a burst of 429s carrying `Retry-After: 1`; `dead` never answers usefully (resets and
 * 503s) and has the healthy `backup` as its fallback. The figures go to a JSON file under the OS
 * temp folder; set `FAULT_SEED` to replay another fault sequence.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  countBy,
  healthyAnswer,
  HTML_502,
  mulberry32,
  percentile,
  runBounded,
  scriptFaults,
  pollHealth,
  providerHealth,
  sendInput,
  shuffle,
  type FaultChooser,
  type FaultOutcome,
  type FaultScript,
  type HealthSample,
} from '../support/fault-script';
import {
  startScriptedProvider,
  type ReceivedRequest,
  type ScriptedProvider,
} from '../support/scripted-provider';
import { definition, startTestServer, type TestServer } from '../support/test-server';

const SEED = Number(process.env.FAULT_SEED ?? 20_240_903);
const CONCURRENCY = 20;
const RETRY = {
  maxAttempts: 3,
  initialDelayMs: 10,
  maxDelayMs: 100,
  attemptTimeoutMs: 1000,
  deadlineMs: 5000,
};
const REPAIRS = 1;
const CIRCUIT = { failureThreshold: 5, openMs: 1000 };
/**
 * `flaky` fails 35% of attempts on purpose; 5 counted failures in a row would happen about twice
 * a run and turn each 1 s open window into a burst of fast 503s in this closed-loop load. Its
 * breaker needs 20 in a row (odds below 1e-9 per attempt), so its figures measure the retry
 * budget; the breaker itself is measured on `dead`.
 */
const FLAKY_CIRCUIT = { failureThreshold: 20, openMs: 1000 };
/** Per-attempt failure odds of `flaky` (502 page, reset, slow) and its invalid-output odds. */
const P_FAIL = 0.35;
const P_INVALID = 0.04;
/** The first answers of `limited` are 429s; a request fails only if all its attempts meet one. */
const BURST_429 = 45;
/** Requests per endpoint, sent shuffled. */
const LOAD = { mixed: 300, rescued: 150, throttled: 100, stranded: 50 };

type EndpointName = keyof typeof LOAD;
const CANDIDATES: Record<EndpointName, number> = {
  mixed: 1,
  rescued: 2,
  throttled: 1,
  stranded: 1,
};
/** The codes each status may carry, per endpoint; 200 means a valid output. */
const ALLOWED: Record<EndpointName, Record<number, string[]>> = {
  mixed: { 200: [], 502: ['upstream_error', 'output_invalid'], 504: ['upstream_timeout'] },
  rescued: { 200: [] },
  throttled: { 200: [], 429: ['rate_limited'] },
  stranded: { 502: ['upstream_error'], 503: ['upstream_unavailable'] },
};
const HTML_PATTERN = /<!doctype|<html|<body|<h1|nginx/i;

const flakyFaults: FaultChooser = (random) => {
  const roll = random();
  if (roll < 0.3) return { kind: 'html_502', step: { status: 502, text: HTML_502 } };
  if (roll < 0.33) return { kind: 'reset', step: { reset: true } };
  if (roll < P_FAIL) {
    const slow = { ...healthyAnswer(random).step, delayMs: RETRY.attemptTimeoutMs + 1500 };
    return { kind: 'slow', step: slow };
  }
  if (roll < P_FAIL + (1 - P_FAIL) * P_INVALID) {
    const content = JSON.stringify({ label: 'ecstatic', score: 7 });
    return { kind: 'invalid_output', step: { completion: { content } } };
  }
  return healthyAnswer(random);
};
const deadFaults: FaultChooser = (random) => {
  const roll = random();
  if (roll < 0.4) return { kind: 'reset', step: { reset: true } };
  if (roll < 0.8) return { kind: '503', step: { status: 503 } };
  return { kind: '503_retry_after_30', step: { status: 503, headers: { 'retry-after': '30' } } };
};
const limitedFaults: FaultChooser = (random, index) =>
  index < BURST_429
    ? { kind: '429', step: { status: 429, headers: { 'retry-after': '1' } } }
    : healthyAnswer(random);

const CHOOSERS = {
  flaky: flakyFaults,
  dead: deadFaults,
  backup: healthyAnswer,
  limited: limitedFaults,
} satisfies Record<string, FaultChooser>;
type ProviderName = keyof typeof CHOOSERS;

type Outcome = FaultOutcome<EndpointName>;

describe('fault suite', () => {
  const names = Object.keys(CHOOSERS) as ProviderName[];
  const providers = {} as Record<ProviderName, ScriptedProvider>;
  const scripts = {} as Record<ProviderName, FaultScript>;
  let server: TestServer;
  let configDir: string;
  let outcomes: Outcome[] = [];
  const health: Record<string, HealthSample[]> = { dead: [], flaky: [], limited: [] };
  let loadMs = 0;
  let upstreamDuringLoad: Record<string, number> = {};

  beforeAll(async () => {
    for (const [i, name] of names.entries()) {
      providers[name] = await startScriptedProvider();
      scripts[name] = scriptFaults(providers[name], SEED + i, CHOOSERS[name]);
    }
    configDir = mkdtempSync(path.join(tmpdir(), 'promptgate-faults-'));
    const providersFile = path.join(configDir, 'providers.json');
    const entries = names.map((name) => ({
      name,
      baseURL: providers[name].url,
      apiKeyEnv: 'FAULT_KEY',
      circuit: name === 'flaky' ? FLAKY_CIRCUIT : CIRCUIT,
    }));
    writeFileSync(providersFile, JSON.stringify({ providers: entries }));
    server = await startTestServer({
      env: { PROVIDERS_FILE: providersFile, FAULT_KEY: 'sk-fault-key' },
    });
    await defineEndpoints(server);

    const random = mulberry32(SEED);
    const plan = shuffle(
      (Object.keys(LOAD) as EndpointName[]).flatMap((name) => Array(LOAD[name]).fill(name)),
      random,
    );
    const stopPolling = pollHealth(server, health);
    const started = Date.now();
    outcomes = await runBounded(plan, CONCURRENCY, (endpoint, i) =>
      invoke(server, endpoint, `message ${i}`),
    );
    loadMs = Date.now() - started;
    await stopPolling();
    upstreamDuringLoad = Object.fromEntries(names.map((n) => [n, providers[n].requests.length]));
  }, 60_000);

  afterAll(async () => {
    if (outcomes.length > 0) {
      const upstream = Object.fromEntries(
        names.map((name) => {
          const kinds = scripts[name].kinds.slice(0, upstreamDuringLoad[name]);
          const requests = providers[name].requests.slice(0, upstreamDuringLoad[name]);
          const unanswered = requests.flatMap((r, i) => (r.cancelled ? [kinds[i]] : []));
          const answered = countBy(kinds, (kind) => kind);
          return [
            name,
            { requests: requests.length, answered, unanswered: countBy(unanswered, String) },
          ];
        }),
      );
      const dead = providers.dead.requests.slice(0, upstreamDuringLoad.dead);
      const openings = new Set(health.dead.flatMap((s) => (s.openedAt ? [s.openedAt] : [])));
      const trials = splitDeadRequests(dead, health.dead).trials.length;
      report(outcomes, loadMs, upstream, { openings: openings.size, trials });
    }
    await server?.stop();
    await Promise.all(Object.values(providers).map((p) => p.close()));
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it('ends every request within the client timeout', () => {
    const unfinished = outcomes.filter((o) => o.status === 0);
    expect(unfinished.map((o) => `${o.endpoint}: ${o.error}`)).toEqual([]);
    expect(outcomes).toHaveLength(Object.values(LOAD).reduce((a, b) => a + b, 0));
  });

  it('answers a valid output or the problem code its status allows, never HTML', () => {
    const wrong = outcomes.flatMap((o) => {
      const problems = answerProblems(o);
      return problems.length ? [`${o.endpoint} ${o.status}: ${problems.join('; ')}`] : [];
    });
    expect(wrong).toEqual([]);
  });

  it('succeeds as often as the retry budget allows', () => {
    const rate = (name: EndpointName) => {
      const mine = outcomes.filter((o) => o.endpoint === name);
      return mine.filter((o) => o.status === 200).length / mine.length;
    };
    // Each attempt fails independently with P_FAIL; a request fails when all of its attempts do.
    const expectedMixed = 1 - P_FAIL ** RETRY.maxAttempts;
    expect(rate('mixed')).toBeGreaterThan(expectedMixed - 0.05);
    // The healthy fallback answers whatever the dead primary does.
    expect(rate('rescued')).toBe(1);
    // A request fails only when all its attempts meet the burst, which has BURST_429 answers.
    const throttledFailures = outcomes.filter(
      (o) => o.endpoint === 'throttled' && o.status !== 200,
    );
    expect(throttledFailures.length).toBeLessThanOrEqual(Math.floor(BURST_429 / RETRY.maxAttempts));
    expect(rate('stranded')).toBe(0);
  });

  it('makes no more upstream attempts than configured', () => {
    for (const o of outcomes) {
      const limit = RETRY.maxAttempts * CANDIDATES[o.endpoint] * (1 + REPAIRS);
      expect(o.attempts).toBeLessThanOrEqual(limit);
      if (o.status === 200) expect(o.attempts).toBeGreaterThanOrEqual(1);
      if (o.endpoint === 'rescued') expect(o.model).toBe('backup/gpt-4o-mini');
    }
    // The providers saw no request the headers do not count: no hidden SDK or transport retries.
    // They record a request once its body has arrived, so an attempt whose timeout fired before
    // that (on a starved event loop) is counted by the gateway only; normally there is none.
    const seen = Object.values(upstreamDuringLoad).reduce((a, b) => a + b, 0);
    const counted = outcomes.reduce((sum, o) => sum + o.attempts, 0);
    expect(seen).toBeLessThanOrEqual(counted);
    expect(counted - seen).toBeLessThanOrEqual(Math.floor(counted / 100));
  });

  it('opens the circuit of the dead provider and lets only trial calls through', () => {
    expect(health.dead.some((s) => s.state === 'open')).toBe(true);
    expect(health.flaky.every((s) => s.state === 'closed')).toBe(true);
    // 429s do not count against a provider.
    const counted429 = health.limited.flatMap((s) =>
      s.recentErrors.filter((e) => e.status === 429),
    );
    expect(counted429).toEqual([]);

    const { firstOpen, before, trials } = splitDeadRequests(
      providers.dead.requests.slice(0, upstreamDuringLoad.dead),
      health.dead,
    );
    expect(before.length).toBeGreaterThanOrEqual(CIRCUIT.failureThreshold);
    expect(before.length).toBeLessThanOrEqual(CIRCUIT.failureThreshold + CONCURRENCY);
    const lastAt = trials[trials.length - 1] ?? firstOpen;
    expect(trials.length).toBeLessThanOrEqual(Math.floor((lastAt - firstOpen) / CIRCUIT.openMs));
    for (const [i, at] of trials.entries()) {
      const previous = i === 0 ? firstOpen : trials[i - 1];
      expect(at - previous).toBeGreaterThanOrEqual(CIRCUIT.openMs);
    }
  });

  it('reopens on a failed trial and closes again once the provider recovers', async () => {
    const deadCount = () => providers.dead.requests.length;
    await waitForTrial(server);
    const trialFrom = deadCount();
    const failedTrial = await invoke(server, 'stranded', 'trial while still dead');
    expect([502, 503]).toContain(failedTrial.status);
    expect(deadCount() - trialFrom).toBe(1);
    expect((await deadHealth(server)).state).toBe('open');

    scripts.dead.use(healthyAnswer);
    const skipped = await invoke(server, 'rescued', 'skipped while open');
    expect(skipped).toMatchObject({ status: 200, model: 'backup/gpt-4o-mini', attempts: 1 });
    expect(deadCount() - trialFrom).toBe(1);

    await waitForTrial(server);
    for (let i = 0; i < 5; i++) {
      const healed = await invoke(server, 'rescued', `healed ${i}`);
      expect(healed).toMatchObject({ status: 200, model: 'dead/gpt-4o-mini', attempts: 1 });
    }
    expect(await deadHealth(server)).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });
});

/**
 * The dead provider's requests before its circuit first opened (with those let through just before
 * that landed a moment later, up to half of `openMs`) and the receipt times of the rest, which can
 * only be trial calls.
 */
function splitDeadRequests(requests: ReceivedRequest[], samples: HealthSample[]) {
  const firstOpen = Math.min(...samples.flatMap((s) => (s.openedAt ? [s.openedAt] : [])));
  const cutoff = firstOpen + CIRCUIT.openMs / 2;
  const before = requests.filter((r) => r.receivedAt <= cutoff);
  const trials = requests.filter((r) => r.receivedAt > cutoff).map((r) => r.receivedAt);
  return { firstOpen, before, trials };
}

/** What is wrong with one answer; empty when it is a valid output or an allowed problem. */
function answerProblems(o: Outcome): string[] {
  const problems: string[] = [];
  const allowed = ALLOWED[o.endpoint][o.status];
  if (!allowed) problems.push(`status not allowed: ${o.text.slice(0, 200)}`);
  if (HTML_PATTERN.test(o.text)) problems.push(`HTML in the body: ${o.text.slice(0, 200)}`);
  if (o.status === 200) {
    const { label, score } = o.body ?? {};
    if (!/^application\/json/.test(o.contentType)) problems.push(`content-type ${o.contentType}`);
    if (!['positive', 'negative', 'neutral'].includes(String(label))) problems.push('bad label');
    if (typeof score !== 'number' || score < 0 || score > 1) problems.push('bad score');
    return problems;
  }

  if (!/^application\/problem\+json/.test(o.contentType)) {
    problems.push(`content-type ${o.contentType}`);
  }
  if (allowed && !allowed.includes(String(o.body?.code))) problems.push(`code ${o.body?.code}`);
  if (o.body?.status !== o.status) problems.push(`body status ${o.body?.status}`);
  if (!o.requestId || o.body?.requestId !== o.requestId) problems.push('requestId mismatch');
  const needsRetryAfter = o.status === 429 || o.status === 503;
  if (needsRetryAfter && !/^\d+$/.test(o.retryAfter ?? '')) problems.push('no Retry-After');
  return problems;
}

async function defineEndpoints(server: TestServer) {
  const model = (provider: string, fallbacks: string[] = []) => ({
    provider,
    name: 'gpt-4o-mini',
    temperature: 0,
    maxTokens: 50,
    fallbacks: fallbacks.map((p) => ({ provider: p, name: 'gpt-4o-mini' })),
  });
  const models: Record<EndpointName, unknown> = {
    mixed: model('flaky'),
    rescued: model('dead', ['backup']),
    throttled: model('limited'),
    stranded: model('dead'),
  };
  for (const [name, m] of Object.entries(models)) {
    const body = definition({
      name,
      publish: true,
      model: m,
      retry: RETRY,
      repair: { maxAttempts: REPAIRS },
    });
    const res = await server.request('POST', '/admin/endpoints', { body });
    if (res.status !== 201) throw new Error(`defining ${name}: ${res.status} ${res.text}`);
  }
}

function invoke(server: TestServer, endpoint: EndpointName, text: string): Promise<Outcome> {
  return sendInput(server, endpoint, { text });
}

async function deadHealth(server: TestServer): Promise<HealthSample> {
  return (await providerHealth(server)).dead;
}

/** Waits until the open circuit of `dead` lets its next trial through. */
async function waitForTrial(server: TestServer) {
  const { state, openedAt } = await deadHealth(server);
  if (state !== 'open' || openedAt === null) throw new Error(`dead is ${state}, not open`);
  const wait = openedAt + CIRCUIT.openMs + 20 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

function report(
  outcomes: Outcome[],
  loadMs: number,
  upstream: Record<string, { requests: number }>,
  deadCircuit: { openings: number; trials: number },
) {
  const failed = outcomes.filter((o) => o.status !== 200);
  const latencies = outcomes.map((o) => o.latencyMs);
  const summary = {
    seed: SEED,
    concurrency: CONCURRENCY,
    loadMs,
    requests: outcomes.length,
    succeeded: outcomes.length - failed.length,
    failedByCode: countBy(failed, (o) => `${o.status} ${o.body?.code ?? o.error ?? 'none'}`),
    byEndpoint: Object.fromEntries(
      (Object.keys(LOAD) as EndpointName[]).map((name) => {
        const mine = outcomes.filter((o) => o.endpoint === name);
        const ms = mine.map((o) => o.latencyMs);
        const statuses = countBy(mine, (o) => String(o.status));
        return [name, { statuses, p50: percentile(ms, 50), p99: percentile(ms, 99) }];
      }),
    ),
    upstreamAttempts: outcomes.reduce((sum, o) => sum + o.attempts, 0),
    /** Requests the providers received; below `upstreamAttempts` only when some were lost. */
    upstreamSeen: Object.values(upstream).reduce((sum, p) => sum + p.requests, 0),
    /** Per provider: requests received, answers by kind, and those whose connection closed unanswered (resets, attempt timeouts). */
    upstream,
    deadCircuit,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
  };
  const file = path.join(tmpdir(), 'promptgate-fault-summary.json');
  writeFileSync(file, `${JSON.stringify(summary, null, 2)}\n`);
  const { requests, succeeded, failedByCode, upstreamAttempts, latencyMs } = summary;
  process.stdout.write(
    `fault suite: ${requests} requests, ${succeeded} ok, failed ${JSON.stringify(failedByCode)}, ` +
      `${upstreamAttempts} upstream attempts, p50 ${latencyMs.p50} ms, p99 ${latencyMs.p99} ms ` +
      `(${file})\n`,
  );
}
