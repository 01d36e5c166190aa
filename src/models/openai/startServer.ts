import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, EnsembleGymError } from '../../core/errors.js';
import { Rng } from '../../core/Rng.js';
import type { ModelAdapter, NextToken, Session } from '../ModelAdapter.js';
import { tokenText } from '../tokenText.js';
import { completionRequest, type CompletionRequest } from './protocol.js';

/** A fault the server injects into one request (for testing clients). */
export type ServeFault =
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'status'; readonly status: 500 | 502 | 503 }
  | { readonly kind: 'rateLimit'; readonly retryAfterS: number }
  | { readonly kind: 'garbled' }
  | { readonly kind: 'truncated' }
  | { readonly kind: 'drop' };

/** Options of `startServer`; all optional. */
export interface ServeOptions {
  /** Interface to bind (default `127.0.0.1`: loopback only). */
  readonly host?: string;
  /** Port (default 0: a free port is chosen; read it from the returned `url`). */
  readonly port?: number;
  /** Name of an environment variable holding the API key; when set, requests need `Authorization: Bearer <key>`. */
  readonly apiKeyEnv?: string;
  /** Largest accepted request body (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /** Largest `max_tokens` a request may ask for (default 256). */
  readonly maxTokens?: number;
  /** Largest `logprobs` (top-k) a request may ask for (default 20, like vLLM). */
  readonly maxLogprobs?: number;
  /** Time a request may take before the server answers 504 (default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Name clients use in `model` (default the adapter's id). */
  readonly modelName?: string;
  /**
   * Sessions kept for reuse (default 16; 0 disables). A request whose prompt tokens start with a
   * kept session's tokens continues that session, so a client sending a growing text one token at a
   * time costs one token of compute per request, as with vLLM's prefix caching.
   */
  readonly prefixCacheSize?: number;
  /** Faults to inject: request i (0-based, all routes) gets `faults(i)` or `faults[i]`; none when undefined. */
  readonly faults?: readonly (ServeFault | undefined)[] | ((requestIndex: number) => ServeFault | undefined);
}

/** A running server: its base URL (`http://host:port`) and how to stop it. */
export interface RunningServer {
  readonly url: string;
  /** Requests received so far (all routes, including faulted ones). */
  readonly requestCount: () => number;
  /** Stops accepting connections, ends open ones and waits until the server is closed. */
  close(): Promise<void>;
}

class HttpError extends EnsembleGymError {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Compares bearer tokens in constant time (hashing first makes the lengths equal). */
function sameKey(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, e: HttpError, headers: Record<string, string> = {}): void {
  sendJson(res, e.status, { error: { message: e.message, type: e.type, param: e.param, code: e.code } }, headers);
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new HttpError(413, `request body exceeds ${max} bytes`, 'invalid_request_error', 'body_too_large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Indices of the k largest entries of `lp`, best first. */
function topIndices(lp: Float32Array, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < lp.length; i++) {
    if (idx.length < k) {
      idx.push(i);
      idx.sort((a, b) => lp[b] - lp[a]);
    } else if (lp[i] > lp[idx[k - 1]]) {
      idx[k - 1] = i;
      idx.sort((a, b) => lp[b] - lp[a]);
    }
  }
  return idx;
}

/** (id, logprob) pairs of the best `k` tokens of `next`, best first. */
function topOf(next: NextToken, k: number): Array<[number, number]> {
  const lp = next.logprobs;
  if (lp instanceof Float32Array) return topIndices(lp, k).map((i) => [i, lp[i]]);
  return Array.from(lp.ids, (id, i): [number, number] => [id, lp.logprobs[i]])
    .sort((a, b) => b[1] - a[1])
    .slice(0, k);
}

/** Picks the next token: argmax at temperature 0, else a draw from softmax(logprob / temperature). */
function choose(next: NextToken, temperature: number, rng: Rng): [number, number] {
  const [best] = topOf(next, 1);
  if (temperature === 0) return best;
  const lp = next.logprobs;
  const ids = lp instanceof Float32Array ? Array.from(lp.keys()) : Array.from(lp.ids);
  const values = lp instanceof Float32Array ? Array.from(lp) : Array.from(lp.logprobs);
  // One pass: `categorical` normalises the weights itself (O(V) per token, not O(V²)).
  const w = values.map((v) => Math.exp((v - best[1]) / temperature));
  const i = rng.categorical(w);
  return [ids[i], values[i]];
}

/**
 * Serves `adapter` over an OpenAI-compatible HTTP API (`POST /v1/completions`, `GET /v1/models`)
 * with node:http: greedy decoding at temperature 0, top-k `logprobs`, `echo`; errors in OpenAI's
 * error shape; optional bearer-token auth (compared in constant time); optional fault injection.
 * Echoed prompt tokens carry null logprobs (sessions consume the prompt at once).
 */
export async function startServer(adapter: ModelAdapter, opts: ServeOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const maxBody = opts.maxBodyBytes ?? 1 << 20;
  const maxTokens = opts.maxTokens ?? 256;
  const maxLogprobs = opts.maxLogprobs ?? 20;
  const timeoutMs = opts.requestTimeoutMs ?? 30_000;
  const modelName = opts.modelName ?? adapter.id;
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    throw new ConfigError(
      'serve.maxTokens',
      `${maxTokens} must be a positive integer`,
      'Pass at least 1 (default 256): with 0 every request would answer an empty completion.',
    );
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535))
    throw new ConfigError('serve.port', `${opts.port} is not a port`, 'Pass an integer in [0, 65535] (0: a free port).');
  if (!Number.isInteger(maxBody) || maxBody < 1)
    throw new ConfigError('serve.maxBodyBytes', `${maxBody} must be a positive integer`, 'Leave it out for 1 MiB.');
  if (!(timeoutMs > 0)) throw new ConfigError('serve.requestTimeoutMs', `${timeoutMs} must be positive`, 'Leave it out for 30 s.');
  let apiKey: string | undefined;
  if (opts.apiKeyEnv !== undefined) {
    apiKey = process.env[opts.apiKeyEnv];
    if (!apiKey)
      throw new ConfigError(
        'serve.apiKeyEnv',
        `environment variable ${opts.apiKeyEnv} is not set or empty`,
        `Export ${opts.apiKeyEnv}=<key> before starting the server, or leave apiKeyEnv unset for no auth.`,
      );
  }
  const sessions = new PrefixSessionCache(adapter, opts.prefixCacheSize ?? 16);
  const faultAt = (i: number): ServeFault | undefined => (typeof opts.faults === 'function' ? opts.faults(i) : opts.faults?.[i]);
  let requests = 0;

  /** 400 in OpenAI's shape when a prompt of `n` tokens leaves no room in the context for the completion it asks for. */
  function checkContext(n: number, maxNew: number): void {
    const need = n + Math.min(maxNew, 1);
    if (need > adapter.maxContext) {
      const room = maxNew > 0 ? ' plus 1 completion token' : '';
      throw new HttpError(
        400,
        `This model's maximum context length is ${adapter.maxContext} tokens: the prompt has ${n} tokens${room}, which exceed the context. Shorten the prompt to at most ${adapter.maxContext - Math.min(maxNew, 1)} tokens.`,
        'invalid_request_error',
        'context_length_exceeded',
        'prompt',
      );
    }
  }

  /** The prompt as ids plus the longest leading part that is text encoding back to exactly those ids (sessions start from text). */
  function promptOf(body: CompletionRequest): { text: string; ids: number[]; textLength: number } {
    const tok = adapter.tokenizer;
    const p = body.prompt;
    if (typeof p === 'string' || typeof p[0] === 'string') {
      const text = typeof p === 'string' ? p : (p[0] as string);
      const ids = tok.encode(text);
      return { text, ids, textLength: ids.length };
    }
    let ids = (Array.isArray(p[0]) ? p[0] : p) as number[];
    ids.forEach((id, i) => {
      if (id < 0 || id >= adapter.vocabSize)
        throw new HttpError(
          400,
          `prompt token ${i} is ${id}, outside this model's vocabulary [0, ${adapter.vocabSize})`,
          'invalid_request_error',
          null,
          'prompt',
        );
    });
    // A leading BOS stands for the BOS the model adds itself.
    if (tok.specialTokens.bos !== undefined && ids[0] === tok.specialTokens.bos) ids = ids.slice(1);
    // [serve] ids are fed as ids: the session starts from the longest prefix whose text encodes back to
    // the same ids; the rest (non-canonical splits, partial UTF-8, EOS) is appended as given.
    const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
    // The whole prompt first (adapters keyed by prompt text, like a replay, need it), then a
    // non-canonical tail, then the shortest leading part: a bounded number of encodes either way.
    const ends = [
      ...Array.from({ length: Math.min(16, ids.length) }, (_, i) => ids.length - i),
      ...Array.from({ length: Math.min(16, ids.length) }, (_, i) => i + 1),
    ];
    for (const j of ends) {
      const text = tok.decode(ids.slice(0, j));
      if (same(tok.encode(text), ids.slice(0, j))) return { text, ids, textLength: j };
    }
    return { text: '', ids, textLength: 0 };
  }

  async function complete(body: CompletionRequest, deadline: number): Promise<unknown> {
    const overdue = (): void => {
      if (Date.now() >= deadline) throw new HttpError(504, `the request took longer than ${timeoutMs} ms`, 'server_error', 'timeout');
    };
    if (body.model !== undefined && body.model !== modelName) {
      throw new HttpError(
        404,
        `The model \`${body.model}\` does not exist. This server serves \`${modelName}\`.`,
        'invalid_request_error',
        'model_not_found',
        'model',
      );
    }
    const { text: prompt, ids: promptIds, textLength } = promptOf(body);
    const idKeys = body.return_tokens_as_token_ids === true;
    const nTokens = body.max_tokens ?? Math.min(16, maxTokens);
    if (nTokens > maxTokens)
      throw new HttpError(400, `max_tokens ${nTokens} exceeds this server's limit of ${maxTokens}`, 'invalid_request_error', null, 'max_tokens');
    const k = body.logprobs ?? null;
    if (k !== null && k > maxLogprobs)
      throw new HttpError(400, `logprobs ${k} exceeds this server's limit of ${maxLogprobs}`, 'invalid_request_error', null, 'logprobs');
    const temperature = body.temperature ?? 1;
    const rng = new Rng(body.seed ?? 0);
    const tok = adapter.tokenizer;
    // Checked here, not left to the adapter: one that does not check would start a session at or
    // past its context and answer 200 with an empty completion.
    checkContext(promptIds.length, nTokens);
    const { session, ids: cachedIds } = await sessions.acquire(promptIds, prompt, textLength);
    const promptTokens = session.length;
    if (promptTokens !== promptIds.length) {
      // The adapter added tokens of its own (BOS): check again with its count.
      try {
        checkContext(promptTokens, nTokens);
      } catch (e) {
        await sessions.release({ session, ids: cachedIds });
        throw e;
      }
    }
    const ids: number[] = [];
    const tokenLogprobs: number[] = [];
    const tops: Array<Record<string, number>> = [];
    let finish = 'length';
    try {
      for (let t = 0; t < nTokens; t++) {
        // Checked between tokens: an adapter that computes without yielding never lets a timer fire.
        overdue();
        if (session.length >= adapter.maxContext) break;
        const next = await session.next();
        const [id, lp] = choose(next, temperature, rng);
        if (Number.isNaN(lp) || (k !== null && topOf(next, Math.max(k, 1)).some(([, v]) => Number.isNaN(v)))) {
          // A fault of the model, not of the request: never serve NaN as a log-probability.
          throw new HttpError(
            500,
            `the model returned NaN log-probabilities after ${session.length} tokens: its weights or inputs are damaged`,
            'server_error',
            'model_error',
          );
        }
        if (k !== null) {
          const top: Record<string, number> = {};
          for (const [i, v] of topOf(next, Math.max(k, 1))) {
            const s = idKeys ? `token_id:${i}` : tokenText(tok, i);
            if (!(s in top)) top[s] = v;
          }
          tops.push(top);
        }
        ids.push(id);
        tokenLogprobs.push(lp);
        if (id === tok.specialTokens.eos) {
          finish = 'stop';
          break;
        }
        // The last token is not fed: the session then ends exactly at the prompt (+ earlier tokens),
        // which is the prefix the next request of a token-by-token client starts with.
        if (t < nTokens - 1) {
          await session.append([id]);
          cachedIds.push(id);
        }
      }
    } catch (e) {
      await session.dispose();
      throw e;
    }
    await sessions.release({ session, ids: cachedIds });
    const generated = tok.decode(ids);
    const tokens = ids.map((i) => (idKeys ? `token_id:${i}` : tokenText(tok, i)));
    let logprobs: unknown = null;
    if (k !== null) {
      const promptTexts = body.echo ? promptIds.map((i) => (idKeys ? `token_id:${i}` : tokenText(tok, i))) : [];
      logprobs = {
        tokens: [...promptTexts, ...tokens],
        token_logprobs: [...promptTexts.map(() => null), ...tokenLogprobs],
        top_logprobs: [...promptTexts.map(() => null), ...tops],
        text_offset: [...textOffsets(promptTexts, 0), ...textOffsets(tokens, body.echo ? tok.decode(promptIds).length : 0)],
      };
    }
    return {
      id: `cmpl-${randomUUID()}`,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: modelName,
      choices: [{ index: 0, text: (body.echo ? tok.decode(promptIds) : '') + generated, logprobs, finish_reason: finish }],
      usage: { prompt_tokens: promptTokens, completion_tokens: ids.length, total_tokens: promptTokens + ids.length },
    };
  }

  async function route(req: IncomingMessage, deadline: number): Promise<unknown> {
    const path = (req.url ?? '/').split('?')[0];
    if (apiKey !== undefined) {
      const auth = req.headers.authorization ?? '';
      const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      if (!sameKey(given, apiKey))
        throw new HttpError(401, 'Incorrect or missing API key. Send "Authorization: Bearer <key>".', 'invalid_request_error', 'invalid_api_key');
    }
    if (path === '/props') {
      if (req.method !== 'GET') throw new HttpError(405, `${req.method} is not allowed on ${path}; use GET`, 'invalid_request_error', 'method_not_allowed');
      // llama.cpp server's shape, so clients that read the context from /props find it here too.
      return { n_ctx: adapter.maxContext, default_generation_settings: { n_ctx: adapter.maxContext }, total_slots: 1 };
    }
    if (path === '/v1/models') {
      if (req.method !== 'GET') throw new HttpError(405, `${req.method} is not allowed on ${path}; use GET`, 'invalid_request_error', 'method_not_allowed');
      return { object: 'list', data: [{ id: modelName, object: 'model', created: 0, owned_by: 'llm-ensemble-gym', max_model_len: adapter.maxContext }] };
    }
    if (path === '/v1/completions') {
      if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not allowed on ${path}; use POST`, 'invalid_request_error', 'method_not_allowed');
      const declared = Number(req.headers['content-length']);
      if (declared > maxBody)
        throw new HttpError(413, `request body of ${req.headers['content-length']} bytes exceeds ${maxBody} bytes`, 'invalid_request_error', 'body_too_large');
      const text = await readBody(req, maxBody);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new HttpError(400, 'the request body is not valid JSON', 'invalid_request_error', 'invalid_json');
      }
      const parsed = completionRequest.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new HttpError(400, `field "${issue.path.join('.')}": ${issue.message}`, 'invalid_request_error', null, issue.path.join('.') || null);
      }
      return complete(parsed.data, deadline);
    }
    throw new HttpError(
      404,
      `no route ${req.method} ${path}; this server has POST /v1/completions, GET /v1/models and GET /props`,
      'invalid_request_error',
      'not_found',
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fault = faultAt(requests++);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') return sendError(res, new HttpError(fault.status, `injected fault: HTTP ${fault.status}`, 'server_error', null));
    if (fault?.kind === 'rateLimit')
      return sendError(res, new HttpError(429, 'injected fault: rate limited', 'rate_limit_error', 'rate_limit_exceeded'), {
        'retry-after': String(fault.retryAfterS),
      });
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    let timer: NodeJS.Timeout | undefined;
    const deadline = Date.now() + timeoutMs;
    try {
      const body = await Promise.race([
        route(req, deadline),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new HttpError(504, `the request took longer than ${timeoutMs} ms`, 'server_error', 'timeout')), timeoutMs);
        }),
      ]);
      if (fault?.kind === 'garbled') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id": "cmpl-garbled", "choices": [{"text": <<garbled>>');
        return;
      }
      if (fault?.kind === 'truncated') {
        const text = JSON.stringify(body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        res.socket?.destroy();
        return;
      }
      sendJson(res, 200, body);
    } catch (e) {
      if (e instanceof HttpError && (e.status === 401 || e.status === 413) && !req.complete) {
        // The rest of the body is not read: answer, then close the connection (no keep-alive drain).
        const socket = req.socket;
        res.once('finish', () => socket?.destroy());
        return sendError(res, e, { connection: 'close' });
      }
      if (e instanceof HttpError) return sendError(res, e);
      // Adapter errors carry an actionable message; anything else is a bug worth a 500 with its text.
      const status = e instanceof EnsembleGymError ? 400 : 500;
      sendError(res, new HttpError(status, (e as Error).message, status === 400 ? 'invalid_request_error' : 'server_error', null));
    } finally {
      clearTimeout(timer);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendError(res, new HttpError(500, (e as Error).message, 'server_error', null));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES')
        reject(
          new ConfigError(
            'serve.port',
            `port ${opts.port} on ${host} cannot be bound (${e.code === 'EADDRINUSE' ? 'it is in use' : 'permission denied'})`,
            'Pick another port, or 0 for a free one.',
          ),
        );
      else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN' || e.code === 'EADDRNOTAVAIL' || e.code === 'EAI_NONAME')
        reject(
          new ConfigError(
            'serve.host',
            `${JSON.stringify(host)} is not an address of this machine (${e.code})`,
            'Pass 127.0.0.1 (loopback), 0.0.0.0 (all interfaces) or an address this machine has.',
          ),
        );
      else reject(e);
    });
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    requestCount: () => requests,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      await sessions.clear();
    },
  };
}

/** A session and the token ids (without BOS) it has consumed. */
interface HeldSession {
  readonly session: Session;
  readonly ids: number[];
}

/** Least-recently-used sessions keyed by their consumed ids; a session is out of the cache while a request uses it. */
class PrefixSessionCache {
  private entries: HeldSession[] = [];

  constructor(
    private readonly adapter: ModelAdapter,
    private readonly capacity: number,
  ) {}

  /**
   * A session holding `ids`: the kept one with the longest matching token prefix, extended, or a new
   * one started on `text` (which encodes to the first `textLength` ids) with the rest appended.
   */
  async acquire(ids: number[], text: string, textLength: number): Promise<HeldSession> {
    let best = -1;
    this.entries.forEach((e, i) => {
      if (e.ids.length <= ids.length && e.ids.every((x, j) => x === ids[j]) && (best < 0 || e.ids.length > this.entries[best].ids.length)) best = i;
    });
    if (best < 0) {
      const session = await this.adapter.start(text);
      try {
        if (ids.length > textLength) await session.append(ids.slice(textLength));
      } catch (e) {
        await session.dispose();
        throw e;
      }
      return { session, ids };
    }
    const [hit] = this.entries.splice(best, 1);
    try {
      if (ids.length > hit.ids.length) await hit.session.append(ids.slice(hit.ids.length));
    } catch (e) {
      await hit.session.dispose();
      throw e;
    }
    return { session: hit.session, ids };
  }

  /** Keeps `held` for reuse, disposing the least recently used session beyond capacity. */
  async release(held: HeldSession): Promise<void> {
    this.entries.push(held);
    while (this.entries.length > this.capacity) await this.entries.shift()!.session.dispose();
  }

  /** Disposes every kept session. */
  async clear(): Promise<void> {
    const all = this.entries;
    this.entries = [];
    for (const e of all) await e.session.dispose();
  }
}

/** Character offset of each token text, the first at `start`. */
function textOffsets(tokens: readonly string[], start: number): number[] {
  const out: number[] = [];
  let off = start;
  for (const s of tokens) {
    out.push(off);
    off += s.length;
  }
  return out;
}
