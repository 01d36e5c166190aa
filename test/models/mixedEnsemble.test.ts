// One EnsembleDecodingEnv over three engines: a GGUF model in process (llama.cpp), a bundled ONNX model
// with its own byte-level BPE tokenizer, and an HTTP model (our serve in front of an ONNX decoder).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Rng } from '../../src/core/Rng.js';
import { EnsembleDecodingEnv } from '../../src/envs/EnsembleDecodingEnv.js';
import { NODE_LLAMA_CPP_INSTALL, nodeLlamaCppAvailable } from '../../src/models/gguf/nodeLlamaCpp.js';
import { LlamaCppModel } from '../../src/models/LlamaCppModel.js';
import { OnnxCausalLM } from '../../src/models/OnnxCausalLM.js';
import { OpenAIHttpModel } from '../../src/models/openai/OpenAIHttpModel.js';
import { makeTinyGgufPair } from '../helpers/tinyGguf.js';
import { startTinyServer } from '../helpers/tinyServer.js';

const skip = (await nodeLlamaCppAvailable()) ? false : `node-llama-cpp is not installed (optional; ${NODE_LLAMA_CPP_INSTALL} to run it)`;

test('an EnsembleDecodingEnv mixing a GGUF, an ONNX and an HTTP model runs whole episodes', { skip }, async () => {
  const pair = await makeTinyGgufPair({ seed: 21 });
  const served = await startTinyServer(4);
  const gguf = await LlamaCppModel.load(pair.ggufPath, { id: 'gguf' });
  const onnx = await OnnxCausalLM.load(new URL('../../models/tiny-sum-bytebpe', import.meta.url).pathname, { id: 'onnx' });
  const http = await OpenAIHttpModel.connect({ baseUrl: served.server.url, model: 'tiny', tokenizer: served.model.tokenizer, topK: 10, seed: 1 });
  const env = new EnsembleDecodingEnv({
    models: [gguf, onnx, http],
    items: [
      { id: 'a', prompt: '12+3=', answer: '15.' },
      { id: 'b', prompt: 'ab c', answer: 'cba.' },
    ],
    endOfAnswer: '.',
    spanLength: 2,
    maxSteps: 5,
    obsHiddenDim: 8,
  });
  try {
    assert.deepEqual([...env.possibleAgents], ['gguf', 'onnx', 'tiny']);
    const rng = new Rng(3);
    for (const itemIndex of [0, 1]) {
      const { observations } = await env.reset({ seed: itemIndex, options: { itemIndex } });
      for (const a of env.possibleAgents) assert.ok((observations[a] as Float32Array).every(Number.isFinite), `observation of ${a}`);
      let steps = 0;
      let ended = false;
      while (!ended) {
        const actions = Object.fromEntries(env.agents.map((a) => [a, env.actionSpace(a).sample(rng)]));
        const r = await env.step(actions);
        steps++;
        for (const a of env.possibleAgents) assert.ok(Number.isFinite(r.rewards[a]), `reward of ${a}`);
        ended = env.possibleAgents.every((a) => r.terminations[a] || r.truncations[a]);
        if (ended) {
          const info = r.infos.gguf as { text: string; score: number; tokenCounts: Record<string, number> };
          assert.ok(info.text.length > 0, 'the episode decoded some text');
          assert.ok(info.score === 0 || info.score === 1, 'the scorer ran');
          for (const a of env.possibleAgents) assert.ok(info.tokenCounts[a] > 0, `model ${a} consumed the decoded text`);
        }
        assert.ok(steps <= 5, 'the episode ends by maxSteps');
      }
      assert.ok(steps >= 1);
      assert.equal(env.agents.length, 0, 'no live agents once the episode ended');
    }
  } finally {
    await env.close();
    await served.close();
    await pair.cleanup();
  }
});
