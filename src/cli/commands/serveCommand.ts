import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { startServer } from '../../models/openai/startServer.js';
import { intFlag, loadModels } from './common.js';

/** The flag a `startServer` option comes from, for error messages. */
const FLAG_OF: Record<string, string> = {
  'serve.port': '--port',
  'serve.host': '--host',
  'serve.maxTokens': '--max-tokens',
  'serve.apiKeyEnv': '--api-key-env',
};

/** Registers `serve`: an OpenAI-compatible completions server (with logprobs) over one model directory. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve one model over an OpenAI-compatible /v1/completions API with top-k logprobs (for OpenAIHttpModel clients)')
    .option('--model <dir>', 'model directory (HF layout with onnx/model.onnx); default: the first bundled model')
    .option('--host <host>', 'interface to bind (default 127.0.0.1)')
    .option('--port <port>', 'port in [0, 65535] (default 0: a free one, printed)', intFlag('--port'))
    .option('--api-key-env <name>', 'environment variable holding the API key clients must send as a bearer token')
    .option('--max-tokens <n>', 'largest max_tokens a request may ask for, at least 1 (default 256)', intFlag('--max-tokens'))
    .action(async (opts: { model?: string; host?: string; port?: number; apiKeyEnv?: string; maxTokens?: number }) => {
      // Checked before the model loads, so a typo costs nothing.
      if (opts.port !== undefined && (opts.port < 0 || opts.port > 65535))
        throw new ConfigError('--port', `${opts.port} is not a port`, 'Pass an integer in [0, 65535] (0: a free port).');
      if (opts.maxTokens !== undefined && opts.maxTokens < 1)
        throw new ConfigError('--max-tokens', `${opts.maxTokens} must be at least 1`, 'Pass e.g. --max-tokens 256.');
      const [model] = await loadModels(opts.model ? [opts.model] : []);
      let server;
      try {
        server = await startServer(model, { host: opts.host, port: opts.port, apiKeyEnv: opts.apiKeyEnv, maxTokens: opts.maxTokens });
      } catch (e) {
        await model.close();
        if (e instanceof ConfigError && FLAG_OF[e.field]) {
          const [problem, ...fix] = e.message.replace(/^config field "[^"]*": /, '').split('. ');
          throw new ConfigError(FLAG_OF[e.field], problem, fix.join('. '));
        }
        throw e;
      }
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
