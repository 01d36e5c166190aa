import { ModelDependencyError } from '../errors.js';

// The part of node-llama-cpp 3.x this package calls, typed here so that type-checking and every
// other import work without the (optional, large) package installed.

/** Options of one token given to `controlledEvaluate`. */
export type LlamaEvaluateItem = number | [number, { generateNext: { probabilities: true } }];

/** A sequence of a context: its own KV cells, evaluated in batches with the context's other sequences. */
export interface LlamaSequenceLike {
  readonly contextTokens: readonly number[];
  controlledEvaluate(items: LlamaEvaluateItem[]): Promise<Array<undefined | { next: { probabilities?: Map<number, number> } }>>;
  dispose(): void;
}

/** A context holding `totalSequences` sequences. */
export interface LlamaContextLike {
  readonly sequencesLeft: number;
  getSequence(): LlamaSequenceLike;
  dispose(): Promise<void>;
}

/** A loaded GGUF model. */
export interface LlamaModelLike {
  readonly trainContextSize: number;
  readonly fileInfo: { readonly metadata: unknown };
  readonly tokens: { readonly bos: number | null; readonly eos: number | null; readonly shouldPrependBosToken: boolean };
  tokenize(text: string, specialTokens?: boolean): number[];
  detokenize(tokens: readonly number[], specialTokens?: boolean): string;
  createContext(opts: { sequences: number; contextSize: number; batchSize?: number; threads?: number; flashAttention?: boolean }): Promise<LlamaContextLike>;
  dispose(): Promise<void>;
}

/** The llama.cpp backend. */
export interface LlamaLike {
  loadModel(opts: { modelPath: string; gpuLayers?: number | 'auto' }): Promise<LlamaModelLike>;
}

/** GPU backends node-llama-cpp ships prebuilt binaries for (`false` = CPU only). */
export type LlamaGpu = false | 'auto' | 'cuda' | 'vulkan' | 'metal';

interface NodeLlamaCppModule {
  getLlama(opts: Record<string, unknown>): Promise<LlamaLike>;
  LlamaLogLevel: { error: unknown };
}

/** The exact version the adapter is tested with. */
export const NODE_LLAMA_CPP_VERSION = '3.21.1';
/** The command that adds the optional package. */
export const NODE_LLAMA_CPP_INSTALL = `npm i -E node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`;

// A variable specifier, so TypeScript does not try to resolve the optional package.
const SPECIFIER: string = 'node-llama-cpp';
const backends = new Map<string, Promise<LlamaLike>>();

/** Whether node-llama-cpp can be imported here (tests and examples skip when it cannot). */
export async function nodeLlamaCppAvailable(): Promise<boolean> {
  try {
    await import(SPECIFIER);
    return true;
  } catch {
    return false;
  }
}

/**
 * The llama.cpp backend for `gpu` and `maxThreads`, created once per process and option pair. Uses the
 * prebuilt binaries only: never downloads or compiles llama.cpp at run time. Throws
 * `ModelDependencyError` naming the install command when the package is absent.
 */
export function getLlamaBackend(gpu: LlamaGpu, maxThreads: number): Promise<LlamaLike> {
  const key = `${gpu}/${maxThreads}`;
  let b = backends.get(key);
  if (!b) {
    b = (async () => {
      let mod: NodeLlamaCppModule;
      try {
        mod = (await import(SPECIFIER)) as NodeLlamaCppModule;
      } catch {
        throw new ModelDependencyError('node-llama-cpp', NODE_LLAMA_CPP_INSTALL, 'LlamaCppModel (GGUF models)');
      }
      return mod.getLlama({
        gpu,
        build: 'never',
        skipDownload: true,
        usePrebuiltBinaries: true,
        progressLogs: false,
        logLevel: mod.LlamaLogLevel.error,
        maxThreads,
      });
    })();
    b.catch(() => backends.delete(key));
    backends.set(key, b);
  }
  return b;
}
