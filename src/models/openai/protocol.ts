// The OpenAI-compatible wire protocol shared by the client (OpenAIHttpModel) and the server (startServer).
import { z } from 'zod';

/** A `POST /v1/completions` request as `startServer` accepts it. */
export const completionRequest = z.object({
  model: z.string().optional(),
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
  max_tokens: z.number().int().nonnegative().optional(),
  logprobs: z.number().int().nonnegative().nullable().optional(),
  echo: z.boolean().optional(),
  temperature: z.number().nonnegative().optional(),
  seed: z.number().int().optional(),
  stream: z.literal(false).optional(),
});

/** A validated completions request. */
export type CompletionRequest = z.infer<typeof completionRequest>;

/** One candidate in the chat-style logprobs format (llama.cpp server, newer OpenAI-compatible servers). */
const candidateSchema = z.object({ token: z.string(), logprob: z.number(), bytes: z.array(z.number().int()).nullable().optional() });

/** A `/v1/completions` response as the client reads it: top-k logprobs of the first generated position. */
export const completionLogprobsResponse = z.object({
  choices: z
    .array(
      z.object({
        logprobs: z
          .union([
            // legacy completions format (OpenAI, vLLM): top_logprobs[position] = { token text: logprob }
            z.object({ top_logprobs: z.array(z.record(z.string(), z.number()).nullable()).min(1) }),
            // chat-style format: content[position].top_logprobs = [{ token, logprob, bytes }]
            z.object({ content: z.array(z.object({ top_logprobs: z.array(candidateSchema) })).min(1) }),
          ])
          .nullable(),
      }),
    )
    .min(1),
});

/** A `GET /v1/models` response; `max_model_len` is vLLM's (and this package's) context length. */
export const modelsResponse = z.object({
  data: z.array(z.object({ id: z.string(), max_model_len: z.number().int().positive().optional() })),
});

