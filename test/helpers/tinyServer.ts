// The tiny decoder served over HTTP on loopback, as the serve and HTTP-adapter tests use it.
import { startServer, type RunningServer, type ServeOptions } from '../../src/models/openai/startServer.js';
import { OnnxCausalLM } from '../../src/models/OnnxCausalLM.js';
import { makeTinyDecoderDir, type TinyDecoderDir } from './tinyDecoder.js';

/** The tiny decoder's folder, the model loaded from it (id "tiny") and the server in front of it. */
export interface TinyServer {
  readonly tiny: TinyDecoderDir;
  readonly model: OnnxCausalLM;
  readonly server: RunningServer;
  /** Closes the server, then the model, then removes the folder. */
  close(): Promise<void>;
}

/** Builds the tiny decoder with `seed`, loads it as model "tiny" and serves it with `opts`. */
export async function startTinyServer(seed: number, opts: ServeOptions = {}): Promise<TinyServer> {
  const tiny = await makeTinyDecoderDir({ seed });
  const model = await OnnxCausalLM.load(tiny.dir, { id: 'tiny' });
  const server = await startServer(model, opts);
  return {
    tiny,
    model,
    server,
    close: async () => {
      await server.close();
      await model.close();
      await tiny.cleanup();
    },
  };
}
