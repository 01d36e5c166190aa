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
import { readJsonFile } from '../readJsonFile.js';
import { chatLogprobsResponse, completionLogprobsResponse, llamaCppCompletionResponse, modelsResponse, propsResponse } from './protocol.js';

/** Which API the adapter queries; see docs/adapters.md for what each server offers. */
export type OpenAIEndpoint = 'completions' | 'chat' | 'llamacpp';

/** How prompts go over the wire: token ids (nothing re-tokenized), text, or ids with a fallback to text. */
export type PromptFormat = 'ids' | 'text' | 'auto';

/** How sessions are spread over several replicas (`baseUrl` as a list). */
export type ReplicaSpread = 'leastLoaded' | 'roundRobin';

/** Options of `OpenAIHttpModel.connect`. */
export interface OpenAIHttpModelOptions {
  /**
   * Server base URL, e.g. `http://localhost:8000` (vLLM), `http://localhost:8080` (llama.cpp); `/v1` is
   * appended when missing. A list gives replicas of one model: sessions are spread over them (`spread`).
   */
  readonly baseUrl: string | readonly string[];
  /** Model name the server knows (the `model` request field). */
  readonly model: string;
  /**
   * The model's own tokenizer (required): prompts are encoded with it, and the server's top
   * tokens are mapped to its ids. Load it with `HfTokenizer.fromFile`.
   */
  readonly tokenizer: Tokenizer;
  /** Adapter id (default `model`). */
  readonly id?: string;
  /**
   * `completions` (default): `POST /v1/completions` with `logprobs` (OpenAI legacy, vLLM, llama.cpp, serve);
   * `chat`: `POST /v1/chat/completions` with `top_logprobs` ≤ 20 (OpenAI, Ollama; the prompt is the user
   * message and appended text the assistant's reply so far); `llamacpp`: llama.cpp server's native
   * `POST /completion` with `n_probs`, which takes token ids and answers with token ids.
   */
  readonly endpoint?: OpenAIEndpoint;
  /**
   * `ids`: prompts are sent as token ids; `text`: as text (the server re-tokenizes it); `auto` (default):
   * ids, and text when the server rejects ids (a warning says what is then lost). `chat` is always text,
   * `llamacpp` always ids.
   */
  readonly promptFormat?: PromptFormat;
  /** Ask for vLLM's `return_tokens_as_token_ids` so top tokens come back as `token_id:N` (default false: other servers may reject the field). */
  readonly tokenIdKeys?: boolean;
  /** Put the tokenizer's BOS id before id prompts, for models whose server adds BOS to text prompts (default false). */
  readonly addBos?: boolean;
  /** Name of the environment variable holding the API key (sent as a bearer token; never logged). */
  readonly apiKeyEnv?: string;
  /** How many top log-probs to ask for per step (default 20; servers cap it, e.g. vLLM --max-logprobs, OpenAI 5 for completions, 20 for chat). */
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
  /** Requests in flight at once across all sessions and replicas (default 4). */
  readonly concurrency?: number;
  /**
   * Context length. When left out: the server's `max_model_len` (vLLM, serve), else llama.cpp's
   * `/props` `n_ctx`, else `configJson`'s; when none reports it, `connect` fails naming this option.
   */
  readonly maxContext?: number;
  /** Path of the model's local `config.json`, read for the context length (`n_positions`, `max_position_embeddings`, `n_ctx`) when the server does not report it. */
  readonly configJson?: string;
  /** `leastLoaded` (default): a new session goes to the replica with the fewest open sessions (ties in turn); `roundRobin`: to each replica in turn. */
  readonly spread?: ReplicaSpread;
  /** Seed of the backoff jitter. */
  readonly seed?: number;
  /**
   * Largest response body read, in bytes (default 8 MiB; a top-20 answer is a few kB). A larger
   * body is cut off and the call fails with `ModelRequestError`, so a misbehaving server or proxy
   * cannot exhaust memory.
   */
  readonly maxResponseBytes?: number;
  /** Receives the adapter's warnings (each said once); default `process.emitWarning`. */
  readonly onWarning?: (message: string) => void;
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
function sendRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
  agents: Agents,
  maxBytes: number,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      u,
      {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: u.protocol === 'https:' ? agents.https : agents.http,
      },
      (res) => {
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
          const ra: string | string[] | undefined = h['retry-after'];
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter: typeof ra === 'object' ? ra[0] : ra });
        });
      },
    );
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

/** The client's topK cap for the chat endpoint (OpenAI and Ollama reject more). */
export const CHAT_MAX_TOP_LOGPROBS = 20;

/** One server of the model: where it is, how many sessions it holds, whether it has ever answered. */
interface Replica {
  /** Base URL without `/v1` (llama.cpp's native routes live at the root). */
  readonly root: string;
  sessions: number;
  answered: boolean;
}

/** A next-token candidate: local id (undefined when the tokenizer has none) and log-probability. */
type Candidate = readonly [number | undefined, number];

/** What one request needs of its session: the prompt as text and as ids, and the session's replica. */
interface NextRequest {
  readonly prompt: string;
  readonly appended: readonly number[];
  readonly ids: readonly number[];
  readonly route: { replica: Replica };
}

/** Reads the context length from a local config.json (`n_positions`, `max_position_embeddings`, `n_ctx`), or undefined. */
async function contextFromConfig(path: string): Promise<number | undefined> {
  const cfg = await readJsonFile(path, { required: true, fix: "Pass the path of the served model's config.json, or pass maxContext." });
  if (!cfg || typeof cfg !== 'object') return undefined;
  const c = cfg as Record<string, unknown>;
  for (const k of ['n_positions', 'max_position_embeddings', 'n_ctx']) {
    const v = c[k];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  return undefined;
}

/**
 * A model behind an OpenAI-compatible server (vLLM, TGI, llama.cpp, Ollama, this package's
 * `serve`), queried for the top-k log-probs of the next token. A session is the prompt plus the
 * appended ids; `next()` sends them as token ids where the server takes them (nothing is
 * re-tokenized, partial UTF-8 stays exact) with `max_tokens: 1`; servers keep their own prefix
 * cache. End of text as the most likely token (an empty answer with `finish_reason: "stop"`, or
 * the key `""`) is credited to the tokenizer's EOS. Token strings the local tokenizer has no single
 * id for go to `restMass`. Several base URLs are replicas: each session sticks to one (their prefix
 * caches stay warm) and moves to another when its replica fails. Retries timeouts, 429 (honouring
 * Retry-After), 5xx, dropped connections and malformed bodies with exponential backoff and jitter
 * within a deadline; other 4xx fail at once with `ModelRequestError`. `hiddenSize` is 0.
 */
export class OpenAIHttpModel implements ModelAdapter {
  readonly id: string;
  readonly tokenizer: Tokenizer;
  readonly vocabSize: number;
  readonly hiddenSize = 0;
  /** Requests sent, including retries (for tests and benchmarks). */
  readonly stats = { requests: 0, retries: 0 };
  /** The endpoint queried. */
  readonly endpoint: OpenAIEndpoint;
  private readonly replicas: Replica[];
  private turn = 0;
  private readonly index: TokenTextIndex;
  private readonly limiter: Limiter;
  private readonly rng: Rng;
  /** Keep-alive connection pools (node:http has less per-request overhead than fetch). */
  private readonly agents: Agents;
  private readonly warned = new Set<string>();
  /** The prompt format in use; `auto` until the first completion tells whether the server takes ids. */
  private format: PromptFormat;
  private closed = false;

  private constructor(
    private readonly opts: OpenAIHttpModelOptions,
    readonly maxContext: number,
    index: TokenTextIndex,
  ) {
    this.id = opts.id ?? opts.model;
    this.tokenizer = opts.tokenizer;
    this.vocabSize = opts.tokenizer.vocabSize;
    this.endpoint = opts.endpoint ?? 'completions';
    const urls = typeof opts.baseUrl === 'string' ? [opts.baseUrl] : [...opts.baseUrl];
    this.replicas = urls.map((u) => ({ root: OpenAIHttpModel.root(u), sessions: 0, answered: false }));
    this.index = index;
    this.limiter = new Limiter(opts.concurrency ?? 4);
    this.rng = new Rng(opts.seed ?? 0);
    const pool = { keepAlive: true, maxSockets: opts.concurrency ?? 4 };
    this.agents = { http: new HttpAgent(pool), https: new HttpsAgent(pool) };
    this.format = this.endpoint === 'chat' ? 'text' : this.endpoint === 'llamacpp' ? 'ids' : (opts.promptFormat ?? 'auto');
    if (this.format === 'text') this.warnTextMode();
  }

  private static root(url: string): string {
    return url.replace(/\/+$/, '').replace(/\/v1$/, '');
  }

  /** Checks the options, asks every replica's /v1/models that `model` is served, finds the context length, and returns the adapter. */
  static async connect(opts: OpenAIHttpModelOptions): Promise<OpenAIHttpModel> {
    const urls = typeof opts.baseUrl === 'string' ? [opts.baseUrl] : [...(opts.baseUrl ?? [])];
    if (urls.length === 0) throw new ConfigError('baseUrl', 'is an empty list', 'Pass one URL, or a list of replica URLs of the same model.');
    for (const u of urls) {
      try {
        new URL(u);
      } catch {
        throw new ConfigError('baseUrl', `${JSON.stringify(u)} is not a URL`, 'Pass e.g. "http://localhost:8000".');
      }
    }
    if (!opts.tokenizer)
      throw new ConfigError('tokenizer', 'is required', "Pass the served model's tokenizer: await HfTokenizer.fromFile('<model dir>/tokenizer.json').");
    const endpoint = opts.endpoint ?? 'completions';
    if (!['completions', 'chat', 'llamacpp'].includes(endpoint))
      throw new ConfigError('endpoint', `${JSON.stringify(endpoint)} is not an endpoint`, 'Use "completions", "chat" or "llamacpp".');
    const k = opts.topK ?? 20;
    if (!Number.isInteger(k) || k < 1) throw new ConfigError('topK', `${k} must be a positive integer`, 'Use e.g. 20 (vLLM default cap) or 5 (OpenAI).');
    if (endpoint === 'chat' && k > CHAT_MAX_TOP_LOGPROBS)
      throw new ConfigError(
        'topK',
        `${k} exceeds the chat endpoint's top_logprobs limit of ${CHAT_MAX_TOP_LOGPROBS}`,
        `Use topK <= ${CHAT_MAX_TOP_LOGPROBS} (OpenAI and Ollama reject more), or the completions endpoint.`,
      );
    if (opts.addBos && opts.tokenizer.specialTokens.bos === undefined)
      throw new ConfigError('addBos', 'is true but the tokenizer has no BOS token', 'Leave addBos unset, or pass the tokenizer that defines BOS.');
    if (opts.spread !== undefined && opts.spread !== 'leastLoaded' && opts.spread !== 'roundRobin')
      throw new ConfigError('spread', `${JSON.stringify(opts.spread)} is not a spread`, 'Use "leastLoaded" or "roundRobin".');
    if (opts.maxContext !== undefined && (!Number.isInteger(opts.maxContext) || opts.maxContext < 1))
      throw new ConfigError('maxContext', `${opts.maxContext} must be a positive integer`, "Pass the served model's context length.");
    const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < 1)
      throw new ConfigError(
        'maxResponseBytes',
        `${maxBytes} must be a positive integer`,
        `Leave it out for the default of ${DEFAULT_MAX_RESPONSE_BYTES} bytes (8 MiB).`,
      );
    if (opts.apiKeyEnv !== undefined && !process.env[opts.apiKeyEnv]) {
      throw new ConfigError(
        'apiKeyEnv',
        `environment variable ${opts.apiKeyEnv} is not set`,
        `Export ${opts.apiKeyEnv}=<key>, or leave apiKeyEnv unset for servers without auth.`,
      );
    }
    const probe = new OpenAIHttpModel({ ...opts, promptFormat: 'ids', onWarning: () => undefined }, 1, new TokenTextIndex(opts.tokenizer));
    try {
      let context = opts.maxContext;
      const reported: number[] = [];
      for (const replica of probe.replicas) {
        const route = { replica };
        const models = await probe.request('GET', '/v1/models', undefined, modelsResponse, route);
        const entry = models.data.find((m) => m.id === opts.model);
        if (!entry && models.data.length > 0) {
          throw new ModelRequestError(
            `${replica.root}/v1/models`,
            200,
            `model "${opts.model}" is not served (the server lists: ${models.data.map((m) => m.id).join(', ')})`,
            'Set `model` to one of the listed names.',
            false,
          );
        }
        if (context !== undefined) continue;
        let n = entry?.max_model_len;
        if (n === undefined) {
          // llama.cpp's server reports its context in /props; other servers answer 404 there.
          const props = await probe.request('GET', '/props', undefined, propsResponse, route).catch((e: unknown) => {
            if (e instanceof ModelRequestError && e.status !== undefined && e.status >= 400 && e.status < 500) return undefined;
            if (e instanceof ModelRequestError && /unexpected response shape/.test(e.message)) return undefined;
            throw e;
          });
          n = props?.n_ctx ?? props?.default_generation_settings?.n_ctx;
        }
        if (n !== undefined) reported.push(n);
      }
      if (context === undefined && reported.length > 0) context = Math.min(...reported);
      if (context === undefined && opts.configJson !== undefined) context = await contextFromConfig(opts.configJson);
      if (context === undefined) {
        throw new ConfigError(
          'maxContext',
          `the server at ${probe.replicas[0].root} does not report its context length (no max_model_len in /v1/models, no n_ctx in /props)${opts.configJson ? ` and ${opts.configJson} has none` : ''}`,
          'Pass maxContext: <the context the server runs with>, or configJson: "<model dir>/config.json".',
        );
      }
      return new OpenAIHttpModel(opts, context, probe.index);
    } finally {
      await probe.close();
    }
  }

  /** Opens a session on `prompt` (no request is sent until `next()`); it goes to the replica the `spread` rule picks. */
  async start(prompt: string): Promise<Session> {
    this.assertOpen();
    const bos = this.opts.addBos ? [this.tokenizer.specialTokens.bos!] : [];
    const ids = [...bos, ...this.tokenizer.encode(prompt)];
    if (ids.length > this.maxContext) {
      throw new ModelInputError(this.id, `the prompt has ${ids.length} tokens, more than the context of ${this.maxContext}`, 'Shorten the prompt.');
    }
    const replica = this.pickReplica();
    replica.sessions++;
    return new HttpSession(this, prompt, ids, { replica });
  }

  /** Marks the adapter closed; sessions and `start` then throw `ModelClosedError`. */
  async close(): Promise<void> {
    this.closed = true;
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Open sessions per replica, in the order of `baseUrl` (for monitoring and tests). */
  sessionsPerReplica(): number[] {
    return this.replicas.map((r) => r.sessions);
  }

  /** @internal */
  assertOpen(): void {
    if (this.closed) throw new ModelClosedError(`model "${this.id}"`);
  }

  /** @internal A session ended: its replica has one session less. */
  release(route: { replica: Replica }): void {
    route.replica.sessions = Math.max(0, route.replica.sessions - 1);
  }

  /** The replica for a new session: the least loaded (ties in turn) or the next in turn. */
  private pickReplica(exclude?: Replica): Replica {
    const pool = this.replicas.filter((r) => r !== exclude);
    const n = pool.length;
    const start = this.turn++ % n;
    if (this.opts.spread === 'roundRobin') return pool[start];
    let best = pool[start];
    for (let j = 1; j < n; j++) {
      const r = pool[(start + j) % n];
      if (r.sessions < best.sessions) best = r;
    }
    return best;
  }

  /** Says `message` once per `key` through `onWarning` (default `process.emitWarning`). */
  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    (this.opts.onWarning ?? ((m: string) => process.emitWarning(m, 'OpenAIHttpModelWarning')))(`OpenAIHttpModel "${this.id}": ${message}`);
  }

  private warnTextMode(): void {
    this.warnOnce(
      'text',
      'prompts go to the server as text, so it re-tokenizes them: appended ids that are not the canonical tokenization of their text (" ","c","a","t" instead of " cat") or that end inside a UTF-8 character are not what the model sees. ' +
        'Use promptFormat "ids" with a server that takes token-id prompts (vLLM, llama.cpp, serve), or endpoint "llamacpp".',
    );
  }

  /** @internal Top-k distribution of the token after the session's prompt and appended ids. */
  async nextFor(q: NextRequest): Promise<TopK> {
    if (this.endpoint === 'chat') return this.fromCandidates(await this.chatCandidates(q));
    if (this.endpoint === 'llamacpp') return this.fromCandidates(await this.llamaCppCandidates(q));
    if (this.format === 'auto') {
      try {
        const c = await this.completionCandidates(q, 'ids');
        this.format = 'ids';
        return this.fromCandidates(c);
      } catch (e) {
        if (!(e instanceof ModelRequestError) || (e.status !== 400 && e.status !== 422)) throw e;
        // The server rejected an id prompt: try text once; keep text if that works.
        const c = await this.completionCandidates(q, 'text');
        this.format = 'text';
        this.warnTextMode();
        return this.fromCandidates(c);
      }
    }
    return this.fromCandidates(await this.completionCandidates(q, this.format));
  }

  /** The EOS id as the only candidate: the server stopped at end of text before emitting a token. */
  private eosCandidates(url: string): Candidate[] {
    const eos = this.tokenizer.specialTokens.eos;
    if (eos === undefined)
      throw new ModelRequestError(
        url,
        200,
        'the server stopped at end of text (finish_reason "stop", no tokens), but the tokenizer has no EOS token to credit',
        "Pass the served model's tokenizer (its tokenizer.json names the EOS token).",
        false,
      );
    // The server says only that EOS is the most likely token, not its probability: all of it goes to EOS.
    return [[eos, 0]];
  }

  private async completionCandidates(q: NextRequest, format: 'ids' | 'text'): Promise<Candidate[]> {
    const k = this.opts.topK ?? 20;
    const prompt = format === 'ids' ? [...q.ids, ...q.appended] : q.prompt + this.tokenizer.decode(q.appended);
    const body: Record<string, unknown> = { model: this.opts.model, prompt, max_tokens: 1, logprobs: k, temperature: 0, echo: false };
    if (this.opts.tokenIdKeys) body.return_tokens_as_token_ids = true;
    const res = await this.request('POST', '/v1/completions', body, completionLogprobsResponse, q.route);
    const choice = res.choices[0];
    const lp = choice.logprobs;
    const url = `${q.route.replica.root}/v1/completions`;
    if (lp && 'content' in lp) {
      if (lp.content.length === 0 && choice.finish_reason === 'stop') return this.eosCandidates(url);
      if (lp.content.length > 0) return this.chatStyle(lp.content[0].top_logprobs);
    } else if (lp && 'top_logprobs' in lp) {
      const top = lp.top_logprobs[0];
      if ((lp.top_logprobs.length === 0 || !top || Object.keys(top).length === 0) && choice.finish_reason === 'stop') return this.eosCandidates(url);
      if (top) {
        // A generated token shown as "" with finish "length" is not EOS (that would stop) but a
        // byte of a multi-byte character: then "" is that byte's (unknown) id, not EOS.
        const emptyIsByte = lp.tokens?.[0] === '' && choice.finish_reason !== 'stop' && lp.token_logprobs?.[0] === top[''];
        return Object.entries(top).map(([s, v]): Candidate => {
          if (s !== '') return [this.index.lookup(s), v];
          if (emptyIsByte) {
            this.warnOnce(
              'emptyKey',
              'the server shows byte tokens of multi-byte characters as "" (they collide, and their mass goes to restMass). Use endpoint "llamacpp" or tokenIdKeys (vLLM) to get token ids.',
            );
            return [undefined, v];
          }
          return [this.tokenizer.specialTokens.eos, v];
        });
      }
    } else if (choice.finish_reason === 'stop') {
      return this.eosCandidates(url);
    }
    throw new ModelRequestError(
      url,
      200,
      'the response has no top_logprobs',
      "Use a server that returns logprobs for completions (vLLM, llama.cpp server, this package's serve), and a topK it accepts.",
      false,
    );
  }

  private chatStyle(top: ReadonlyArray<{ token: string; logprob: number; bytes?: number[] | null }>): Candidate[] {
    // bytes, when the server sends them, are exact; an empty token text without bytes is EOS.
    return top.map((c): Candidate => [
      (c.bytes && c.bytes.length > 0 ? this.index.lookupBytes(c.bytes) : undefined) ??
        (c.token === '' && !c.bytes?.length ? this.tokenizer.specialTokens.eos : this.index.lookup(c.token)),
      c.logprob,
    ]);
  }

  private async chatCandidates(q: NextRequest): Promise<Candidate[]> {
    const messages: Array<{ role: string; content: string }> = [{ role: 'user', content: q.prompt }];
    const continuing = q.appended.length > 0;
    if (continuing) messages.push({ role: 'assistant', content: this.tokenizer.decode(q.appended) });
    const body: Record<string, unknown> = {
      model: this.opts.model,
      messages,
      max_tokens: 1,
      logprobs: true,
      top_logprobs: this.opts.topK ?? 20,
      temperature: 0,
    };
    // vLLM's extension to continue the assistant's reply instead of starting a new one.
    if (continuing) Object.assign(body, { continue_final_message: true, add_generation_prompt: false });
    const res = await this.request('POST', '/v1/chat/completions', body, chatLogprobsResponse, q.route);
    const choice = res.choices[0];
    const content = choice.logprobs?.content ?? [];
    const url = `${q.route.replica.root}/v1/chat/completions`;
    if (content.length === 0) {
      if (choice.finish_reason === 'stop') return this.eosCandidates(url);
      throw new ModelRequestError(
        url,
        200,
        'the response has no logprobs.content',
        'Use a server that returns chat logprobs (logprobs: true, top_logprobs).',
        false,
      );
    }
    return this.chatStyle(content[0].top_logprobs);
  }

  private async llamaCppCandidates(q: NextRequest): Promise<Candidate[]> {
    const body = { prompt: [...q.ids, ...q.appended], n_predict: 1, n_probs: this.opts.topK ?? 20, temperature: 0, cache_prompt: true };
    const res = await this.request('POST', '/completion', body, llamaCppCompletionResponse, q.route);
    const pos = res.completion_probabilities ?? [];
    const url = `${q.route.replica.root}/completion`;
    if (pos.length === 0) {
      if (res.stop_type === 'eos' || res.stopped_eos) return this.eosCandidates(url);
      throw new ModelRequestError(url, 200, 'the response has no completion_probabilities', 'Use a llama.cpp server (b4000 or later) and n_probs > 0.', false);
    }
    return pos[0].top_logprobs.map((c): Candidate => [Number.isInteger(c.id) && c.id >= 0 && c.id < this.vocabSize ? c.id : undefined, c.logprob]);
  }

  /** Merges candidates that map to the same local id; unknown ones stay in restMass; never more than probability 1. */
  private fromCandidates(candidates: readonly Candidate[]): TopK {
    const byId = new Map<number, number>();
    for (const [id, v] of candidates) {
      if (id === undefined || !Number.isFinite(v)) continue;
      byId.set(id, (byId.get(id) ?? 0) + Math.exp(Math.min(v, 0)));
    }
    const entries = [...byId].sort((a, b) => b[1] - a[1]);
    const mass = entries.reduce((a, [, p]) => a + p, 0);
    const scale = mass > 1 ? 1 / mass : 1; // servers round
    return {
      ids: Int32Array.from(entries, ([id]) => id),
      logprobs: Float32Array.from(entries, ([, p]) => Math.log(p * scale)),
      restMass: Math.max(0, 1 - mass * scale),
    };
  }

  /** Sends one request with retries, backoff and the deadline; validates the JSON body with `schema`. A failing replica hands the session to another. */
  private async request<T>(method: 'GET' | 'POST', path: string, body: unknown, schema: z.ZodType<T>, route: { replica: Replica }): Promise<T> {
    const deadline = Date.now() + (this.opts.deadlineMs ?? 120_000);
    const maxRetries = this.opts.maxRetries ?? 4;
    let lastError: ModelRequestError | undefined;
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      let hint: number | undefined;
      try {
        return await this.limiter.run(() => this.attempt(method, route.replica, path, body, schema, Math.min(remaining, this.opts.timeoutMs ?? 30_000)));
      } catch (e) {
        if (!(e instanceof ModelRequestError) || !e.retryable) throw e;
        lastError = e;
        hint = e.retryAfterMs;
      }
      if (attempt === maxRetries) break;
      if (this.replicas.length > 1 && this.replicas.includes(route.replica) && !this.closed) {
        // [replicas] fail over: the retry goes to another replica, which takes the session over.
        const next = this.pickReplica(route.replica);
        route.replica.sessions = Math.max(0, route.replica.sessions - 1);
        next.sessions++;
        route.replica = next;
      }
      const backoff = Math.min(this.opts.maxBackoffMs ?? 10_000, (this.opts.backoffMs ?? 200) * 2 ** attempt);
      // [retry] equal jitter: half fixed, half random, so clients that failed together spread out.
      const wait = Math.max(hint ?? 0, backoff / 2 + (backoff / 2) * this.rng.next());
      if (Date.now() + wait >= deadline) break;
      this.stats.retries++;
      await new Promise((r) => setTimeout(r, wait));
    }
    const url = `${route.replica.root}${path}`;
    const err = lastError ?? new ModelRequestError(url, undefined, 'no attempt was made', 'Raise deadlineMs.', false);
    throw new ModelRequestError(
      err.url,
      err.status,
      `gave up after ${maxRetries + 1} attempts or the ${this.opts.deadlineMs ?? 120_000} ms deadline; last error: ${err.message}`,
      'Check that the server is up and not overloaded; raise maxRetries / deadlineMs / timeoutMs if it is just slow.',
      false,
    );
  }

  private async attempt<T>(method: string, replica: Replica, path: string, body: unknown, schema: z.ZodType<T>, timeoutMs: number): Promise<T> {
    const url = `${replica.root}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.apiKeyEnv !== undefined) headers.authorization = `Bearer ${process.env[this.opts.apiKeyEnv] ?? ''}`;
    this.stats.requests++;
    let res: RawResponse;
    try {
      res = await sendRequest(
        url,
        method,
        headers,
        body === undefined ? undefined : JSON.stringify(body),
        timeoutMs,
        this.agents,
        this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      );
    } catch (e) {
      // Not retried: the same request would most likely get the same oversized answer.
      if (e instanceof ResponseTooLarge) {
        const max = this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
        throw new ModelRequestError(
          url,
          undefined,
          `the response is larger than maxResponseBytes (${e.bytes} bytes seen, limit ${max}); it was cut off`,
          'Raise the maxResponseBytes option if the server legitimately sends answers this large; otherwise check the server or proxy at this URL.',
          false,
        );
      }
      if (e instanceof RequestTimeout)
        throw new ModelRequestError(url, undefined, `no complete answer within ${timeoutMs} ms`, 'Raise timeoutMs or check server load.', true);
      const code = (e as NodeJS.ErrnoException).code;
      if (replica.answered && code === 'ECONNREFUSED') {
        throw new ModelRequestError(
          url,
          undefined,
          'the server closed: it answered earlier requests but now refuses connections, so it has stopped or crashed',
          'Restart the server and check its log (llama.cpp servers crash on prompts past their context: set maxContext to the context the server runs with).',
          true,
        );
      }
      if (code === 'ECONNRESET' || code === 'EPIPE') {
        throw new ModelRequestError(
          url,
          undefined,
          `the server closed the connection before answering (${code}): it may have crashed on this request`,
          "Check the server's log; the request is retried.",
          true,
        );
      }
      throw new ModelRequestError(url, undefined, `connection failed (${code ?? (e as Error).message})`, 'Check that the server is running at this URL.', true);
    }
    replica.answered = true;
    const text = res.text;
    if (res.status < 200 || res.status >= 300) {
      let detail: string;
      try {
        const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
        detail = message === undefined || message === null ? '' : typeof message === 'string' ? message : JSON.stringify(message);
      } catch {
        detail = text.slice(0, 200);
      }
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
      const fix =
        res.status === 401 || res.status === 403
          ? `Check the API key in the environment variable ${this.opts.apiKeyEnv ?? '(none configured: set apiKeyEnv)'}.`
          : res.status === 404
            ? 'Check baseUrl, the endpoint option and the model name.'
            : retryable
              ? 'The server is overloaded or failing; retry later.'
              : 'Fix the request parameters (topK within the server limit, prompt within the context).';
      throw new ModelRequestError(url, res.status, detail || `HTTP ${res.status}`, fix, retryable, retryAfterMs(res.retryAfter));
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ModelRequestError(
        url,
        res.status,
        `the body is not valid JSON (${JSON.stringify(text.slice(0, 60))}...)`,
        'Check that baseUrl points at an OpenAI-compatible API (not a proxy error page).',
        true,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ModelRequestError(
        url,
        res.status,
        `unexpected response shape at "${issue.path.join('.')}": ${issue.message}`,
        'Use an OpenAI-compatible server that returns logprobs for the chosen endpoint.',
        false,
      );
    }
    return parsed.data;
  }
}

/** Prompt (text and ids) + appended ids; each `next()` is one request (cached until the next append). */
class HttpSession extends PromptSession {
  private last: NextToken | undefined;
  private released = false;

  constructor(
    private readonly model: OpenAIHttpModel,
    prompt: string,
    private readonly promptIds: readonly number[],
    private readonly route: { replica: Replica },
  ) {
    super(model, prompt, promptIds.length, "Append ids of this model's tokenizer.");
  }

  /** Top-k distribution after the prompt and appended ids (one request, reused until `append`). */
  async next(): Promise<NextToken> {
    this.assertLive();
    if (!this.last)
      this.last = { logprobs: await this.model.nextFor({ prompt: this.prompt, appended: this.appended, ids: this.promptIds, route: this.route }) };
    const t = this.last.logprobs as TopK;
    return { logprobs: { ids: t.ids.slice(), logprobs: t.logprobs.slice(), restMass: t.restMass } };
  }

  /** Adds ids of the local tokenizer (validated); the next `next()` makes a new request. */
  override async append(tokenIds: readonly number[]): Promise<void> {
    await super.append(tokenIds);
    if (tokenIds.length > 0) this.last = undefined;
  }

  /** Frees the session's place on its replica. */
  override async dispose(): Promise<void> {
    if (!this.released) this.model.release(this.route);
    this.released = true;
    await super.dispose();
  }

  /** Throws `ModelClosedError` after `dispose()` or after the model's `close()`. */
  protected override assertLive(): void {
    super.assertLive();
    this.model.assertOpen();
  }
}
