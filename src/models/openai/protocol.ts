// The OpenAI-compatible wire protocol shared by the client (OpenAIHttpModel) and the server
// (startServer): what each side sends and accepts, as zod schemas. Fields beyond OpenAI's are the
// de-facto extensions of vLLM (`max_model_len`, `return_tokens_as_token_ids`) and llama.cpp's
// server (`/props`, the native `/completion` with `n_probs`).
import { z } from 'zod';

/** A prompt: text, a one-element list of text, token ids, or a one-element list of token ids (OpenAI's four forms). */
const promptField = z.union([z.string(), z.array(z.string()).length(1), z.array(z.number().int()).min(1), z.array(z.array(z.number().int()).min(1)).length(1)]);

/** A `POST /v1/completions` request as `startServer` accepts it. */
export const completionRequest = z.object({
  model: z.string().optional(),
  prompt: promptField,
  max_tokens: z.number().int().nonnegative().optional(),
  logprobs: z.number().int().nonnegative().nullable().optional(),
  echo: z.boolean().optional(),
  temperature: z.number().nonnegative().optional(),
  seed: z.number().int().optional(),
  stream: z.literal(false).optional(),
  /** vLLM's extension: `top_logprobs` keys are `token_id:<id>` instead of token text. */
  return_tokens_as_token_ids: z.boolean().optional(),
});

/** A validated completions request. */
export type CompletionRequest = z.infer<typeof completionRequest>;

/** One candidate in the chat-style logprobs format (llama.cpp server, newer OpenAI-compatible servers). */
const candidateSchema = z.object({ token: z.string(), logprob: z.number(), bytes: z.array(z.number().int()).nullable().optional() });

/** One generated position in the chat-style format: the token and the best candidates. */
const chatPosition = z.object({ top_logprobs: z.array(candidateSchema) });

/**
 * A `/v1/completions` response as the client reads it: top-k logprobs of the first generated
 * position. The arrays may be empty: a server that stops at end of text before emitting a token
 * (llama.cpp) sends `finish_reason: "stop"` with no positions.
 */
export const completionLogprobsResponse = z.object({
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullable().optional(),
        logprobs: z
          .union([
            // legacy completions format (OpenAI, vLLM): top_logprobs[position] = { token text: logprob }
            z.object({
              top_logprobs: z.array(z.record(z.string(), z.number()).nullable()),
              tokens: z.array(z.string()).optional(),
              token_logprobs: z.array(z.number().nullable()).optional(),
            }),
            // chat-style format: content[position].top_logprobs = [{ token, logprob, bytes }]
            z.object({ content: z.array(chatPosition) }),
          ])
          .nullable()
          .optional(),
      }),
    )
    .min(1),
});

/** A `/v1/chat/completions` response with `logprobs: true, top_logprobs: k`. */
export const chatLogprobsResponse = z.object({
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullable().optional(),
        logprobs: z
          .object({ content: z.array(chatPosition).nullable() })
          .nullable()
          .optional(),
      }),
    )
    .min(1),
});

/** One candidate of llama.cpp's native `/completion` with `n_probs`: the token id comes with it. */
const llamaCppCandidate = z.object({ id: z.number().int(), logprob: z.number(), token: z.string().optional() });

/** A llama.cpp server `POST /completion` response with `n_probs` (b4000 and later: ids and logprobs). */
export const llamaCppCompletionResponse = z.object({
  completion_probabilities: z.array(z.object({ top_logprobs: z.array(llamaCppCandidate) })).optional(),
  stop_type: z.string().optional(),
  stopped_eos: z.boolean().optional(),
});

/** A `GET /v1/models` response; `max_model_len` is vLLM's (and this package's) context length. */
export const modelsResponse = z.object({
  data: z.array(z.object({ id: z.string(), max_model_len: z.number().int().positive().optional() })),
});

/** A llama.cpp server `GET /props` response: the context length per slot, at the top or in the default settings. */
export const propsResponse = z.object({
  n_ctx: z.number().int().positive().optional(),
  default_generation_settings: z.object({ n_ctx: z.number().int().positive().optional() }).optional(),
});
