import type { Command } from 'commander';
import { startServer } from '../../models/openai/startServer.js';
import { intFlag, loadModels } from './common.js';

/** Registers `serve`: an OpenAI-compatible completions server (with logprobs) over one model directory. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve one model over an OpenAI-compatible /v1/completions API with top-k logprobs (for OpenAIHttpModel clients)')
    .option('--model <dir>', 'model directory (HF layout with onnx/model.onnx); default: the first bundled model')
    .option('--host <host>', 'interface to bind (default 127.0.0.1)')
    .option('--port <port>', 'port (default 0: a free one, printed)', intFlag('--port'))
    .option('--api-key-env <name>', 'environment variable holding the API key clients must send as a bearer token')
    .option('--max-tokens <n>', 'largest max_tokens a request may ask for (default 256)', intFlag('--max-tokens'))
    .action(async (opts: { model?: string; host?: string; port?: number; apiKeyEnv?: string; maxTokens?: number }) => {
      const [model] = await loadModels(opts.model ? [opts.model] : []);
      const server = await startServer(model, { host: opts.host, port: opts.port, apiKeyEnv: opts.apiKeyEnv, maxTokens: opts.maxTokens });
      process.stdout.write(`serving model "${model.id}" at ${server.url}/v1 (Ctrl-C to stop)\n`);
      await new Promise<void>((resolveStop) => {
        const stop = (): void => resolveStop();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await model.close();
    });
}
