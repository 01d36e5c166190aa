import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { Rng } from '../../core/Rng.js';
import { ModelClosedError, ModelInputError, ModelRequestError } from '../errors.js';
import type { ModelAdapter, NextToken, Session, TopK } from '../ModelAdapter.js';
import type { Tokenizer } from '../Tokenizer.js';
import { TokenTextIndex } from '../tokenText.js';
import { PromptSession } from '../PromptSession.js';
import { completionLogprobsResponse, modelsResponse } from './protocol.js';

/** Options of `OpenAIHttpModel.connect`. */
export interface OpenAIHttpModelOptions {
  /** Server base URL, e.g. `http://localhost:8000` (vLLM), `http://localhost:8080` (llama.cpp); `/v1` is appended when missing. */
  readonly baseUrl: string;
  /** Model name the server knows (the `model` request field). */
  readonly model: string;
  /**
   * The model's own tokenizer (required in this version): appended ids are decoded with it, and
   * `top_logprobs` token strings are mapped to its ids. Load it with `HfTokenizer.fromFile`.
   */
  readonly tokenizer: Tokenizer;
  /** Adapter id (default `model`). */
  readonly id?: string;
  /** Name of the environment variable holding the API key (sent as a bearer token; never logged). */
  readonly apiKeyEnv?: string;
  /** How many top log-probs to ask for per step (default 20; servers cap it, e.g. vLLM --max-logprobs, OpenAI 5). */
  readonly topK?: number;
  /** Per-attempt timeout (default 30 s). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt on timeouts, 429, 5xx, dropped connections and malformed bodies (default 4). */
  readonly maxRetries?: number;
  /** First backoff delay; doubles each retry, with jitter (default 200 ms). */
  readonly backoffMs?: number;
  /** Largest backoff delay (default 10 s). */
  readonly maxBackoffMs?: number;
  /** Total time budget for one call including retries (default 120 s). */
  readonly deadlineMs?: number;
  /** Requests in flight at once across all sessions (default 4). */
  readonly concurrency?: number;
  /** Context length; default the server's `max_model_len` from /v1/models, else 4096. */
  readonly maxContext?: number;
  /** Seed of the backoff jitter. */
  readonly seed?: number;
  /**
   * Largest response body read, in bytes (default 8 MiB; a top-20 answer is a few kB). A larger
   * body is cut off and the call fails with `ModelRequestError`, so a misbehaving server or proxy
   * cannot exhaust memory.
   */
  readonly maxResponseBytes?: number;
}

/** Default of `maxResponseBytes`. */
const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

interface Agents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
}

interface RawResponse {
  readonly status: number;
  readonly text: string;
  readonly retryAfter?: string;
}

/** The whole exchange (connect, send, read the full body) took longer than allowed. */
class RequestTimeout extends Error {}

/** The response body (declared or received) is larger than allowed; `bytes` is how much was seen. */
class ResponseTooLarge extends Error {
  constructor(readonly bytes: number) {
    super(`response larger than allowed (${bytes} bytes)`);
  }
}

/** One HTTP(S) exchange with node:http; rejects on network errors, a body cut short, the timeout, or a body over `maxBytes`. */
function sendRequest(url: string, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number, agents: Agents, maxBytes: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(u, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: u.protocol === 'https:' ? agents.https : agents.http }, (res) => {
      const chunks: Buffer[] = [];
      let received = 0;
      // Destroying the request closes the socket: the rest of the body is never read, and the
      // connection is not handed back to the keep-alive pool mid-body.
      const tooLarge = (bytes: number) => {
        clearTimeout(timer);
        reject(new ResponseTooLarge(bytes));
        req.destroy();
      };
      const declared = Number(res.headers['content-length']);
      if (declared > maxBytes) return tooLarge(declared);
      res.on('data', (c: Buffer) => {
        received += c.length;
        if (received > maxBytes) return tooLarge(received);
        chunks.push(c);
      });
      res.on('aborted', () => reject(Object.assign(new Error('the response was cut short'), { code: 'ECONNRESET' })));
      res.on('error', reject);
      res.on('end', () => {
        clearTimeout(timer);
        if (!res.complete) return reject(Object.assign(new Error('the response was cut short'), { code: 'ECONNRESET' }));
        const h: IncomingHttpHeaders = res.headers;
        const ra = h['retry-after'];
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter: Array.isArray(ra) ? ra[0] : ra });
      });
    });
    const timer = setTimeout(() => {
      req.destroy(new RequestTimeout(`timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

/** A counting semaphore: at most `n` holders at once, FIFO; a released slot passes straight to the next waiter. */
class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  constructor(private readonly n: number) {}

  /** Runs `f` once a slot is free and frees the slot when it settles. */
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.queue.push(r));
    else this.active++;
    try {
      return await f();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Milliseconds from a Retry-After header (delta-seconds or an HTTP date), or undefined. */
function retryAfterMs(h: string | undefined): number | undefined {
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/**
 * A model behind an OpenAI-compatible completions server (vLLM, TGI, llama.cpp, Ollama, this
 * package's `serve`), queried for top-k log-probs of the next token. A session is the prompt text
 * plus the appended ids decoded with the local tokenizer; `next()` sends the whole text with
 * `max_tokens: 1` (servers keep their own prefix cache). Token strings the local tokenizer has no
 * single id for go to `restMass`. Retries timeouts, 429 (honouring Retry-After), 5xx, dropped
 * connections and malformed bodies with exponential backoff and jitter within a deadline; other
 * 4xx fail at once with `ModelRequestError`. `hiddenSize` is 0.
 */
export class OpenAIHttpModel implements ModelAdapter {
  readonly id: string;
  readonly tokenizer: Tokenizer;
  readonly vocabSize: number;
  readonly hiddenSize = 0;
  /** Requests sent, including retries (for tests and benchmarks). */
  readonly stats = { requests: 0, retries: 0 };
  private readonly base: string;
  private readonly index: TokenTextIndex;
  private readonly limiter: Limiter;
  private readonly rng: Rng;
  /** Keep-alive connection pools (node:http has less per-request overhead than fetch). */
  private readonly agents: Agents;
  private closed = false;

  private constructor(
    private readonly opts: OpenAIHttpModelOptions,
    readonly maxContext: number,
    index: TokenTextIndex,
  ) {
    this.id = opts.id ?? opts.model;
    this.tokenizer = opts.tokenizer;
    this.vocabSize = opts.tokenizer.vocabSize;
    this.base = OpenAIHttpModel.apiBase(opts.baseUrl);
    this.index = index;
    this.limiter = new Limiter(opts.concurrency ?? 4);
    this.rng = new Rng(opts.seed ?? 0);
    const pool = { keepAlive: true, maxSockets: opts.concurrency ?? 4 };
    this.agents = { http: new HttpAgent(pool), https: new HttpsAgent(pool) };
  }

  private static apiBase(url: string): string {
    const trimmed = url.replace(/\/+$/, '');
    return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
  }

  /** Checks the options, asks the server's /v1/models that `model` is served, and returns the adapter. */
  static async connect(opts: OpenAIHttpModelOptions): Promise<OpenAIHttpModel> {
    try {
      new URL(opts.baseUrl);
    } catch {
      throw new ConfigError('baseUrl', `${JSON.stringify(opts.baseUrl)} is not a URL`, 'Pass e.g. "http://localhost:8000".');
    }
    if (!opts.tokenizer) throw new ConfigError('tokenizer', 'is required', "Pass the served model's tokenizer: await HfTokenizer.fromFile('<model dir>/tokenizer.json').");
    const k = opts.topK ?? 20;
    if (!Number.isInteger(k) || k < 1) throw new ConfigError('topK', `${k} must be a positive integer`, 'Use e.g. 20 (vLLM default cap) or 5 (OpenAI).');
    const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new ConfigError('maxResponseBytes', `${maxBytes} must be a positive integer`, `Leave it out for the default of ${DEFAULT_MAX_RESPONSE_BYTES} bytes (8 MiB).`);
    if (opts.apiKeyEnv !== undefined && !process.env[opts.apiKeyEnv]) {
      throw new ConfigError('apiKeyEnv', `environment variable ${opts.apiKeyEnv} is not set`, `Export ${opts.apiKeyEnv}=<key>, or leave apiKeyEnv unset for servers without auth.`);
    }
    const probe = new OpenAIHttpModel(opts, opts.maxContext ?? 4096, new TokenTextIndex(opts.tokenizer));
    const models = await probe.request('GET', '/models', undefined, modelsResponse).finally(() => probe.close());
    const entry = models.data.find((m) => m.id === opts.model);
    if (!entry && models.data.length > 0) {
      throw new ModelRequestError(`${probe.base}/models`, 200, `model "${opts.model}" is not served (the server lists: ${models.data.map((m) => m.id).join(', ')})`, 'Set `model` to one of the listed names.', false);
    }
    return new OpenAIHttpModel(opts, opts.maxContext ?? entry?.max_model_len ?? 4096, probe.index);
  }

  /** Opens a session on `prompt` (no request is sent until `next()`). */
  async start(prompt: string): Promise<Session> {
    this.assertOpen();
    const n = this.tokenizer.encode(prompt).length;
    if (n > this.maxContext) {
      throw new ModelInputError(this.id, `the prompt has ${n} tokens, more than the context of ${this.maxContext}`, 'Shorten the prompt.');
    }
    return new HttpSession(this, prompt, n);
  }

  /** Marks the adapter closed; sessions and `start` then throw `ModelClosedError`. */
  async close(): Promise<void> {
    this.closed = true;
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** @internal */
  assertOpen(): void {
    if (this.closed) throw new ModelClosedError(`model "${this.id}"`);
  }

  /** @internal Top-k distribution of the token after `text`. */
  async nextFor(text: string): Promise<TopK> {
    const k = this.opts.topK ?? 20;
    const body = { model: this.opts.model, prompt: text, max_tokens: 1, logprobs: k, temperature: 0, echo: false };
    const res = await this.request('POST', '/completions', body, completionLogprobsResponse);
    const lp = res.choices[0].logprobs;
    // (local id or undefined, logprob) per candidate; bytes, when the server sends them, are exact.
    let candidates: Array<[number | undefined, number]> | undefined;
    if (lp && 'top_logprobs' in lp && lp.top_logprobs[0]) {
      candidates = Object.entries(lp.top_logprobs[0]).map(([s, v]) => [this.index.lookup(s), v]);
    } else if (lp && 'content' in lp) {
      candidates = lp.content[0].top_logprobs.map((c) => [(c.bytes ? this.index.lookupBytes(c.bytes) : undefined) ?? this.index.lookup(c.token), c.logprob]);
    }
    if (!candidates) {
      throw new ModelRequestError(`${this.base}/completions`, 200, 'the response has no top_logprobs', 'Use a server that returns logprobs for completions (vLLM, llama.cpp server, this package\'s serve), and a topK it accepts.', false);
    }
    // Merge candidates that map to the same local id; unknown ones stay in restMass.
    const byId = new Map<number, number>();
    for (const [id, v] of candidates) {
      if (id === undefined || !Number.isFinite(v)) continue;
      byId.set(id, (byId.get(id) ?? 0) + Math.exp(Math.min(v, 0)));
    }
    const entries = [...byId].sort((a, b) => b[1] - a[1]);
    const mass = entries.reduce((a, [, p]) => a + p, 0);
    const scale = mass > 1 ? 1 / mass : 1; // servers round; never report more than probability 1
    return {
      ids: Int32Array.from(entries, ([id]) => id),
      logprobs: Float32Array.from(entries, ([, p]) => Math.log(p * scale)),
      restMass: Math.max(0, 1 - mass * scale),
    };
  }

  /** Sends one request with retries, backoff and the deadline; validates the JSON body with `schema`. */
  private async request<T>(method: 'GET' | 'POST', path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    const url = `${this.base}${path}`;
    const deadline = Date.now() + (this.opts.deadlineMs ?? 120_000);
    const maxRetries = this.opts.maxRetries ?? 4;
    let lastError: ModelRequestError | undefined;
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      let hint: number | undefined;
      try {
        return await this.limiter.run(() => this.attempt(method, url, body, schema, Math.min(remaining, this.opts.timeoutMs ?? 30_000)));
      } catch (e) {
        if (!(e instanceof ModelRequestError) || !e.retryable) throw e;
        lastError = e;
        hint = e.retryAfterMs;
      }
      if (attempt === maxRetries) break;
      const backoff = Math.min(this.opts.maxBackoffMs ?? 10_000, (this.opts.backoffMs ?? 200) * 2 ** attempt);
      // [retry] equal jitter: half fixed, half random, so clients that failed together spread out.
      const wait = Math.max(hint ?? 0, backoff / 2 + (backoff / 2) * this.rng.next());
      if (Date.now() + wait >= deadline) break;
      this.stats.retries++;
      await new Promise((r) => setTimeout(r, wait));
    }
    const err = lastError ?? new ModelRequestError(url, undefined, 'no attempt was made', 'Raise deadlineMs.', false);
    throw new ModelRequestError(url, err.status, `gave up after ${maxRetries + 1} attempts or the ${this.opts.deadlineMs ?? 120_000} ms deadline; last error: ${err.message}`, 'Check that the server is up and not overloaded; raise maxRetries / deadlineMs / timeoutMs if it is just slow.', false);
  }

  private async attempt<T>(method: string, url: string, body: unknown, schema: z.ZodType<T>, timeoutMs: number): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.apiKeyEnv !== undefined) headers.authorization = `Bearer ${process.env[this.opts.apiKeyEnv] ?? ''}`;
    this.stats.requests++;
    let res: RawResponse;
    try {
      res = await sendRequest(url, method, headers, body === undefined ? undefined : JSON.stringify(body), timeoutMs, this.agents, this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
    } catch (e) {
      // Not retried: the same request would most likely get the same oversized answer.
      if (e instanceof ResponseTooLarge) {
        const max = this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
        throw new ModelRequestError(url, undefined, `the response is larger than maxResponseBytes (${e.bytes} bytes seen, limit ${max}); it was cut off`, 'Raise the maxResponseBytes option if the server legitimately sends answers this large; otherwise check the server or proxy at this URL.', false);
      }
      const timedOut = e instanceof RequestTimeout;
      const code = (e as NodeJS.ErrnoException).code;
      throw new ModelRequestError(url, undefined, timedOut ? `no complete answer within ${timeoutMs} ms` : `connection failed (${code ?? (e as Error).message})`, timedOut ? 'Raise timeoutMs or check server load.' : 'Check that the server is running at this URL.', true);
    }
    const text = res.text;
    if (res.status < 200 || res.status >= 300) {
      let detail = '';
      try {
        detail = String((JSON.parse(text) as { error?: { message?: unknown } }).error?.message ?? '');
      } catch {
        detail = text.slice(0, 200);
      }
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
      const fix =
        res.status === 401 || res.status === 403
          ? `Check the API key in the environment variable ${this.opts.apiKeyEnv ?? '(none configured: set apiKeyEnv)'}.`
          : res.status === 404
            ? 'Check baseUrl and the model name.'
            : retryable
              ? 'The server is overloaded or failing; retry later.'
              : 'Fix the request parameters (topK within the server limit, prompt within the context).';
      throw new ModelRequestError(url, res.status, detail || `HTTP ${res.status}`, fix, retryable, retryAfterMs(res.retryAfter));
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ModelRequestError(url, res.status, `the body is not valid JSON (${JSON.stringify(text.slice(0, 60))}...)`, 'Check that baseUrl points at an OpenAI-compatible API (not a proxy error page).', true);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ModelRequestError(url, res.status, `unexpected response shape at "${issue.path.join('.')}": ${issue.message}`, 'Use an OpenAI-compatible server that returns logprobs for /v1/completions.', false);
    }
    return parsed.data;
  }
}

/** Prompt text + appended ids; each `next()` is one request (cached until the next append). */
class HttpSession extends PromptSession {
  private last: NextToken | undefined;

  constructor(
    private readonly model: OpenAIHttpModel,
    prompt: string,
    promptLength: number,
  ) {
    super(model, prompt, promptLength, "Append ids of this model's tokenizer.");
  }

  /** Top-k distribution after the prompt and appended ids (one request, reused until `append`). */
  async next(): Promise<NextToken> {
    this.assertLive();
    if (!this.last) this.last = { logprobs: await this.model.nextFor(this.prompt + this.model.tokenizer.decode(this.appended)) };
    const t = this.last.logprobs as TopK;
    return { logprobs: { ids: t.ids.slice(), logprobs: t.logprobs.slice(), restMass: t.restMass } };
  }

  /** Adds ids of the local tokenizer (validated); the next `next()` makes a new request. */
  override async append(tokenIds: readonly number[]): Promise<void> {
    await super.append(tokenIds);
    if (tokenIds.length > 0) this.last = undefined;
  }

  /** Throws `ModelClosedError` after `dispose()` or after the model's `close()`. */
  protected override assertLive(): void {
    super.assertLive();
    this.model.assertOpen();
  }
}
