// OpenAIHttpModel against a scripted server that misbehaves in ways serve's fault injection does not
// cover (test/models/openai/OpenAIHttpModel.test.ts covers one fault of each built-in kind): slow drip,
// Retry-After as an HTTP date or beyond the deadline, exponential backoff, TCP resets, wrong JSON
// shapes, and a seeded storm of mixed faults over many concurrent sessions, where the concurrency
// limit must hold and every call must end in the right answer or a typed error.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Rng } from '../../src/core/Rng.js';
import { ModelRequestError } from '../../src/models/errors.js';
import type { TopK } from '../../src/models/ModelAdapter.js';
import { OpenAIHttpModel, type OpenAIHttpModelOptions } from '../../src/models/openai/OpenAIHttpModel.js';
import { ListTokenizer } from '../../src/testing/decodingFakes.js';

const tokenizer = new ListTokenizer(['a', 'b', 'c', 'd']);
const GOOD = JSON.stringify({ choices: [{ logprobs: { top_logprobs: [{ a: -0.5, b: -1.5, zz: -3 }] } }] });

type Behaviour =
  | 'ok'
  | 'drip'
  | 'status500'
  | 'status503'
  | 'rateLimit0'
  | 'garbled'
  | 'html'
  | 'emptyChoices'
  | 'drop'
  | 'reset'
  | 'truncated'
  | { retryAfter: string; status?: number };

/** A server that answers completion request i with `script(i)`; counts requests in flight and arrival times. */
class ScriptedServer {
  readonly arrivals: number[] = [];
  inFlight = 0;
  peak = 0;
  private server!: Server;
  url = '';
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly script: (i: number) => Behaviour) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url?.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ id: 'm', max_model_len: 64 }] }));
      return;
    }
    const i = this.arrivals.length;
    this.arrivals.push(performance.now());
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    let done = false;
    const finish = (): void => {
      if (!done) this.inFlight--;
      done = true;
    };
    res.on('close', finish);
    req.resume();
    req.on('end', () => {
      // A short think time so that concurrent requests overlap at the server.
      const t = setTimeout(() => this.respond(this.script(i), req, res), 5);
      this.timers.add(t);
    });
  }

  private respond(b: Behaviour, req: IncomingMessage, res: ServerResponse): void {
    const json = (status: number, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers }).end(body);
    };
    if (typeof b === 'object')
      return json(b.status ?? 429, '{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":null}}', { 'retry-after': b.retryAfter });
    switch (b) {
      case 'ok':
        return json(200, GOOD);
      case 'status500':
        return json(500, '{"error":{"message":"boom","type":"server_error","param":null,"code":null}}');
      case 'status503':
        return json(503, 'Service Unavailable');
      case 'rateLimit0':
        return json(429, '{}', { 'retry-after': '0' });
      case 'garbled':
        return json(200, GOOD.slice(0, 20) + '<<garbled>>');
      case 'html':
        return json(200, '<html><body>502 Bad Gateway</body></html>');
      case 'emptyChoices':
        return json(200, '{"choices":[]}');
      case 'drop':
        req.socket.destroy();
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'truncated':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(GOOD) });
        res.write(GOOD.slice(0, 10));
        req.socket.destroy();
        return;
      case 'drip': {
        // One byte every 40 ms: the whole answer would take seconds.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(GOOD) });
        let k = 0;
        const tick = (): void => {
          if (res.destroyed || k >= GOOD.length) return void res.end();
          res.write(GOOD[k++]);
          const t = setTimeout(tick, 40);
          this.timers.add(t);
        };
        tick();
        return;
      }
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const servers: ScriptedServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function setup(
  script: (i: number) => Behaviour,
  opts: Partial<OpenAIHttpModelOptions> = {},
): Promise<{ s: ScriptedServer; m: OpenAIHttpModel; next: () => Promise<TopK> }> {
  const s = await new ScriptedServer(script).start();
  servers.push(s);
  const m = await OpenAIHttpModel.connect({
    baseUrl: s.url,
    model: 'm',
    tokenizer,
    topK: 3,
    backoffMs: 5,
    maxBackoffMs: 40,
    timeoutMs: 1000,
    seed: 3,
    ...opts,
  });
  return { s, m, next: async () => (await (await m.start('ab')).next()).logprobs as TopK };
}

function assertGood(t: TopK): void {
  assert.deepEqual(Array.from(t.ids), [1, 2]);
  assert.ok(Math.abs(t.restMass - (1 - Math.exp(-0.5) - Math.exp(-1.5))) < 1e-6);
}

test('slow drip: a body that trickles in past timeoutMs is abandoned and retried; when every attempt drips the error is typed', async () => {
  const { m, next } = await setup((i) => (i === 0 ? 'drip' : 'ok'), { timeoutMs: 250 });
  assertGood(await next());
  assert.equal(m.stats.retries, 1);
  const all = await setup(() => 'drip', { timeoutMs: 150, maxRetries: 1 });
  await assert.rejects(
    all.next(),
    (e: unknown) => e instanceof ModelRequestError && /no complete answer within 150 ms/.test(e.message) && /gave up after 2 attempts/.test(e.message),
  );
});

test('Retry-After as an HTTP date is honoured', async () => {
  const { next, s } = await setup((i) => (i === 0 ? { retryAfter: new Date(Date.now() + 1500).toUTCString() } : 'ok'));
  await next();
  // HTTP dates have whole seconds, so the wait is between 0.5 and 1.5 s.
  assert.ok(s.arrivals[1] - s.arrivals[0] >= 400, `retried after ${s.arrivals[1] - s.arrivals[0]} ms`);
});

test('a Retry-After beyond the deadline gives up at once with a typed error instead of sleeping past it', async () => {
  const { next, s, m } = await setup(() => ({ retryAfter: '30' }), { deadlineMs: 400, maxRetries: 5 });
  const t0 = performance.now();
  await assert.rejects(next(), (e: unknown) => e instanceof ModelRequestError && e.status === 429 && /gave up/.test(e.message));
  assert.ok(performance.now() - t0 < 5000);
  assert.equal(s.arrivals.length, 1);
  assert.equal(m.stats.retries, 0);
});

test('backoff doubles between retries (equal jitter: at least half of backoffMs·2^k)', async () => {
  const { next, s, m } = await setup((i) => (i < 4 ? 'status503' : 'ok'), { backoffMs: 40, maxBackoffMs: 1000 });
  assertGood(await next());
  assert.equal(m.stats.retries, 4);
  const gaps = s.arrivals.slice(1).map((t, k) => t - s.arrivals[k]);
  gaps.forEach((g, k) => assert.ok(g >= 20 * 2 ** k - 2, `gap ${k} = ${g.toFixed(1)} ms < ${20 * 2 ** k}`));
});

test('wrong bodies: an HTML page is retried then reported; a well-formed JSON of the wrong shape fails at once; both typed', async () => {
  const html = await setup(() => 'html', { maxRetries: 2 });
  await assert.rejects(html.next(), (e: unknown) => e instanceof ModelRequestError && /not valid JSON/.test(e.message) && /502 Bad Gateway/.test(e.message));
  assert.equal(html.s.arrivals.length, 3);
  const shape = await setup(() => 'emptyChoices', { maxRetries: 2 });
  await assert.rejects(shape.next(), (e: unknown) => e instanceof ModelRequestError && /unexpected response shape/.test(e.message) && !e.retryable);
  assert.equal(shape.s.arrivals.length, 1);
});

test('a seeded storm of mixed faults over 32 concurrent sessions: concurrency limit holds, every call ends right or typed', async () => {
  const kinds: Behaviour[] = ['ok', 'ok', 'ok', 'ok', 'ok', 'status500', 'status503', 'rateLimit0', 'garbled', 'drop', 'reset', 'truncated', 'drip'];
  const rng = new Rng('http-storm');
  const plan = Array.from({ length: 2000 }, () => kinds[rng.int(kinds.length)]);
  const { s, m, next } = await setup((i) => plan[i % plan.length], { concurrency: 3, timeoutMs: 150, maxRetries: 6, deadlineMs: 8000 });
  let ok = 0,
    typed = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      try {
        assertGood(await next());
        ok++;
      } catch (e) {
        assert.ok(e instanceof ModelRequestError, `untyped failure: ${String(e)}`);
        typed++;
      }
    }),
  );
  assert.equal(ok + typed, 32);
  assert.ok(s.peak <= 3, `peak concurrency ${s.peak} > 3`);
  assert.ok(ok > 0);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(s.inFlight, 0, 'requests left open at the server');
  console.log(
    `reliability: http fault storm ${s.arrivals.length} requests (${m.stats.retries} retries) for 32 calls: ${ok} right, ${typed} typed give-ups, peak concurrency ${s.peak}/3, 0 untyped`,
  );
});
