// Question: under a bounded load on loopback, how fast does `serve` answer (throughput, p50 / p99
// latency), and does it give back what it took: every socket closed afterwards and no heap growth?
// Two client modes side by side: keep-alive connections (what OpenAIHttpModel uses) and a new
// connection per request. The served model is a cheap in-memory fake, so the figures are the
// server's own overhead (HTTP, JSON, auth, validation), not model time. Exits 1 on any failed
// request, a leaked socket or heap growth above the limit.
//
//   npx tsx benchmarks/serve-load.ts [--smoke] [--requests N] [--concurrency C] [--seed N]
import { Agent, request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startServer } from '../src/models/openai/startServer.js';
import { renderTable } from '../src/cli/renderTable.js';
import { Rng } from '../src/core/Rng.js';
import { FakeModel } from '../src/testing/decodingFakes.js';
import { benchArgs, machineInfo, versionsOf, writeBenchResult } from './lib/benchReport.js';

const { smoke, flag } = benchArgs();
const requests = flag('--requests') ?? (smoke ? 500 : 10_000);
const concurrency = flag('--concurrency') ?? (smoke ? 16 : 64);
const seed = flag('--seed') ?? 0;
// Bounds: the whole run stops after this long, and each request after 10 s.
const runDeadlineMs = smoke ? 60_000 : 300_000;
const heapLimit = smoke ? 2 : 1.5;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Open TCP sockets of this process (client and server ends: both run here). */
const openSockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

const KEY_ENV = 'LEG_SERVE_LOAD_KEY';
process.env[KEY_ENV] = 'load-test-key';
const model = new FakeModel({ id: 'fake', tokens: 'abcdefghijklmnopqrstuvwxyz 0123456789+=;'.split(''), seed: 3, maxContext: 256 });
const rng = new Rng(seed);
const prompts = Array.from({ length: 50 }, () => Array.from({ length: 8 + rng.int(24) }, () => 'abcdefghij0123456789 '[rng.int(21)]).join(''));

interface Row {
  readonly mode: string;
  readonly requests: number;
  readonly concurrency: number;
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  readonly reqPerSec: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly maxMs: number;
}

function post(url: URL, body: string, agent: Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        timeout: 10_000,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${process.env[KEY_ENV]}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out after 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** `n` requests with `c` in flight at a time; every request asks for 4 tokens with top-5 logprobs. */
async function load(base: string, mode: 'keep-alive' | 'new connection', n: number, c: number, deadline: number): Promise<Row> {
  const agent = mode === 'keep-alive' ? new Agent({ keepAlive: true, maxSockets: c }) : false;
  const url = new URL('/v1/completions', base);
  const latencies: number[] = [];
  let next = 0,
    failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n && performance.now() < deadline) {
        const i = next++;
        const body = JSON.stringify({ prompt: prompts[i % prompts.length], max_tokens: 4, logprobs: 5, temperature: 0 });
        const s = performance.now();
        try {
          const status = await post(url, body, agent);
          if (status !== 200) failed++;
        } catch {
          failed++;
        }
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  if (agent) agent.destroy();
  latencies.sort((a, b) => a - b);
  const done = latencies.length;
  return {
    mode,
    requests: done,
    concurrency: c,
    ok: done - failed,
    failed: failed + (n - done),
    seconds,
    reqPerSec: done / seconds,
    p50ms: quantile(latencies, 0.5),
    p99ms: quantile(latencies, 0.99),
    maxMs: latencies[done - 1] ?? NaN,
  };
}

async function settle(baseline: number): Promise<number> {
  // Closed sockets leave the resource list on the next turns of the event loop.
  for (let i = 0; i < 50 && openSockets() > baseline; i++) await new Promise((r) => setTimeout(r, 20));
  return openSockets();
}

const deadline = performance.now() + runDeadlineMs;
const baseline = openSockets();
const server = await startServer(model, { apiKeyEnv: KEY_ENV, maxTokens: 16 });
// Warm-up: JIT, the prefix cache and the agents' first sockets, then a clean baseline.
await load(server.url, 'keep-alive', Math.min(200, requests), Math.min(8, concurrency), deadline);
const socketsBefore = await settle(baseline);
const heapBefore = heapAfterGc();
// Sampled during the load, to show the counter sees the sockets it later finds closed.
let peakSockets = 0;
const sampler = setInterval(() => (peakSockets = Math.max(peakSockets, openSockets())), 5);
const rows: Row[] = [];
rows.push(await load(server.url, 'keep-alive', requests, concurrency, deadline));
rows.push(await load(server.url, 'new connection', Math.ceil(requests / (smoke ? 2 : 4)), concurrency, deadline));
clearInterval(sampler);
const socketsAfter = await settle(baseline);
const heapAfter = heapAfterGc();
await server.close();
const socketsClosed = await settle(baseline);

const heapRatio = heapAfter / heapBefore;
const failed = rows.reduce((a, r) => a + r.failed, 0);
const f = (x: number, d = 1): string => x.toFixed(d);
process.stdout.write(
  `${renderTable(
    ['client', 'requests', 'concurrency', 'ok', 'failed', 'req/s', 'p50 ms', 'p99 ms', 'max ms'],
    rows.map((r) => [r.mode, r.requests, r.concurrency, r.ok, r.failed, Math.round(r.reqPerSec), f(r.p50ms, 2), f(r.p99ms, 2), f(r.maxMs, 1)]),
  )}\n`,
);
process.stdout.write(
  `sockets: ${socketsBefore} open before the load, up to ${peakSockets} during it, ${socketsAfter} after it (clients closed), ${socketsClosed} after server.close() (baseline ${baseline})\n`,
);
process.stdout.write(
  `heap after / before the load (after GC): ${f(heapRatio, 3)} (${f(heapBefore / 2 ** 20)} MiB -> ${f(heapAfter / 2 ** 20)} MiB, limit ${heapLimit})\n`,
);
process.stdout.write(
  `ratio keep-alive / new connection throughput: ${f(rows[0].reqPerSec / rows[1].reqPerSec, 2)}x${smoke ? ' [smoke: short runs, figures are rough]' : ''}\n`,
);

writeBenchResult('serve-load', smoke, {
  benchmark: 'serve-load',
  smoke,
  seed,
  requests,
  concurrency,
  rows,
  sockets: { baseline, before: socketsBefore, peak: peakSockets, after: socketsAfter, afterClose: socketsClosed },
  heap: { before: heapBefore, after: heapAfter, ratio: heapRatio },
  machine: machineInfo(),
  versions: versionsOf(),
  backend: 'none (in-memory fake model)',
});

const problems: string[] = [];
if (peakSockets === 0) problems.push('the socket counter saw no sockets during the load, so it cannot show leaks');
if (failed > 0) problems.push(`${failed} requests failed or did not run before the deadline`);
if (socketsAfter > baseline) problems.push(`${socketsAfter - baseline} sockets still open after the clients closed`);
if (socketsClosed > baseline) problems.push(`${socketsClosed - baseline} sockets still open after server.close()`);
if (heapRatio > heapLimit) problems.push(`heap grew ${f(heapRatio, 2)}x during the load`);
if (problems.length > 0) {
  process.stderr.write(`serve-load: ${problems.join('; ')}\n`);
  process.exit(1);
}
