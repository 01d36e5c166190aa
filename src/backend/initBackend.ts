import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConfigError } from '../core/errors.js';

/** Backends in the order they are tried: fastest first. */
export const BACKEND_ORDER = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

/** What `initBackend` chose and why the faster ones were not used. */
export interface BackendReport {
  readonly backend: BackendName;
  readonly tfBackend: string;
  readonly skipped: readonly { backend: BackendName; reason: string }[];
}

/** Options of `initBackend`; `force` (or env `LEG_BACKEND`) pins one backend and fails if it does not load. */
export interface BackendOptions {
  readonly force?: BackendName;
  readonly log?: (line: string) => void;
}

const require = createRequire(import.meta.url);
let current: BackendReport | undefined;

/**
 * Why tfjs-node package `pkg` (resolved from `from`) cannot load, found without loading it, or null
 * when its native addon is built. Loading one whose addon is missing (installed with
 * `ignore-scripts`) registers half its kernels first and floods stderr with warnings.
 */
export function nativeAddonProblem(pkg: string, from: string = import.meta.url): string | null {
  let root: string;
  try {
    root = dirname(createRequire(from).resolve(`${pkg}/package.json`));
  } catch {
    return `Cannot find module '${pkg}'`;
  }
  const lib = join(root, 'lib');
  const built = existsSync(lib) && readdirSync(lib).some((d) => d.startsWith('napi-v') && existsSync(join(lib, d, 'tfjs_binding.node')));
  return built ? null : `${pkg} is installed without its native addon (its install script did not run; README "GPU" says how to fetch it)`;
}

async function tryLoad(name: BackendName): Promise<void> {
  const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : name === 'tensorflow' ? '@tensorflow/tfjs-node' : undefined;
  if (pkg !== undefined) {
    const problem = nativeAddonProblem(pkg);
    if (problem !== null) throw new Error(problem);
    require(pkg);
  }
  if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  const tfName = name === 'tensorflow-gpu' ? 'tensorflow' : name;
  const ok = await tf.setBackend(tfName);
  if (!ok) throw new Error(`tf.setBackend('${tfName}') returned false`);
  await tf.ready();
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e)
    .split('\n')[0]
    .slice(0, 160);
}

/**
 * Selects the fastest tfjs backend that loads (tensorflow GPU → tensorflow CPU → wasm → cpu),
 * enables prod mode and logs the choice with the reason each faster backend was skipped.
 * Idempotent: later calls return the first report unless a different backend is forced.
 */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendReport> {
  const envForce = process.env.LEG_BACKEND;
  const force = opts.force ?? (envForce ? (envForce as BackendName) : undefined);
  if (force !== undefined && !BACKEND_ORDER.includes(force)) {
    throw new ConfigError('backend', `"${force}" is not a backend`, `Use one of ${BACKEND_ORDER.join(', ')} (or unset LEG_BACKEND).`);
  }
  if (current && (force === undefined || force === current.backend)) return current;
  const skipped: { backend: BackendName; reason: string }[] = [];
  const candidates = force ? [force] : BACKEND_ORDER;
  for (const name of candidates) {
    try {
      await tryLoad(name);
      tf.enableProdMode();
      current = { backend: name, tfBackend: tf.getBackend(), skipped };
      const log =
        opts.log ??
        ((l: string) => {
          if (!process.env.LEG_QUIET) console.error(l);
        });
      const why = skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
      log(`[llm-ensemble-gym] tfjs backend: ${name}${why ? ` (skipped ${why})` : ''}`);
      return current;
    } catch (e) {
      skipped.push({ backend: name, reason: firstLine(e) });
    }
  }
  throw new ConfigError(
    'backend',
    `no tfjs backend loaded (${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')})`,
    force ? 'Unset LEG_BACKEND / the forced backend to let the package pick one that loads.' : 'Reinstall dependencies with `npm ci`.',
  );
}

/** The backend chosen by `initBackend`, or undefined before it ran. */
export function currentBackend(): BackendReport | undefined {
  return current;
}
