import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { packageInfo } from '../../core/packageInfo.js';
import { OnnxCausalLM } from '../../models/OnnxCausalLM.js';
import { readConfigFile, resolveRunConfig, type RunConfig } from '../RunConfig.js';

/** Root of the installed package (where `models/` and `benchmarks/` live). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Integer flag parser: a non-integer is a one-line usage error naming the flag. */
export function intFlag(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new ConfigError(name, `"${v}" is not an integer`, `Pass a whole number, e.g. ${name} 42.`);
    return n;
  };
}

/** Number flag parser. */
export function numberFlag(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new ConfigError(name, `"${v}" is not a number`, `Pass a number, e.g. ${name} 0.8.`);
    return n;
  };
}

/** Adds the options every run command shares (config file, seed, steps, output folder). */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'JSON file with any RunConfig fields; flags override it')
    .option('--seed <n>', 'master seed (default 0)', intFlag('--seed'))
    .option('--steps <n>', 'training env steps per algorithm', intFlag('--steps'))
    .option('--out <dir>', 'output root; the run writes <out>/<timestamp>/ (default runs)');
}

/** Adds the decoding-env options (span length, episode length, item counts). */
export function addDecodingOptions(cmd: Command): Command {
  return cmd
    .option('--models <dirs...>', 'model directories (HF layout with onnx/model.onnx); default: the bundled models')
    .option('--span-length <k>', 'tokens per step (RLAE span length, default 4)', intFlag('--span-length'))
    .option('--max-steps <n>', 'steps before an episode is truncated (default 8)', intFlag('--max-steps'))
    .option('--train-items <n>', 'training prompts (default 256)', intFlag('--train-items'))
    .option('--test-items <n>', 'held-out test prompts (default 100)', intFlag('--test-items'));
}

/** Adds `--algo ppo|ippo|mappo`. */
export function addAlgoOption(cmd: Command, choices: readonly string[] = ['ppo', 'ippo', 'mappo']): Command {
  return cmd.addOption(new Option('--algo <name>', 'algorithm').choices([...choices]));
}

/** The one resolver applied to a command's parsed options: defaults ← `--config` file ← flags. */
export function configFromOptions(opts: Record<string, unknown>, extra: Record<string, unknown> = {}): RunConfig {
  const { config, ...flags } = opts;
  const file = typeof config === 'string' ? readConfigFile(config) : {};
  return resolveRunConfig(file, { ...flags, ...extra });
}

/**
 * The run config as a run's config.json stores it: model and data paths made absolute, so `eval`
 * rebuilds the env from any working folder, plus `package` (version and git commit) for bug reports.
 */
export function runConfigRecord(cfg: RunConfig): Record<string, unknown> {
  return { ...cfg, models: cfg.models.map((d) => resolve(d)), ...(cfg.data !== undefined ? { data: resolve(cfg.data) } : {}), package: packageInfo() };
}

/** Creates `<out>/<UTC timestamp>[-label]/` and returns its path. */
export function createRunDir(out: string, label = ''): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '');
  const dir = resolve(out, `${stamp}${label ? `-${label}` : ''}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Directories of the bundled models (`models/<name>/` with `onnx/model.onnx` and `tokenizer.json`), sorted by name. */
export function bundledModelDirs(root = join(PACKAGE_ROOT, 'models')): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => existsSync(join(d, 'onnx', 'model.onnx')) && existsSync(join(d, 'tokenizer.json')))
    .sort();
}

/** Loads ONNX models from `dirs` (default: the bundled ones); a missing folder is a ConfigError naming it. */
export async function loadModels(dirs: readonly string[]): Promise<OnnxCausalLM[]> {
  const list = dirs.length > 0 ? dirs : bundledModelDirs();
  if (list.length === 0) {
    throw new ConfigError(
      '--models',
      'no model directory given and no bundled models found under models/',
      'Pass --models DIR... (Hugging Face layout with onnx/model.onnx), or build the bundled models (see models/README.md).',
    );
  }
  for (const d of list) if (!existsSync(d)) throw new ConfigError('--models', `${d} does not exist`, 'Pass existing model directories.');
  return Promise.all(list.map((d) => OnnxCausalLM.load(d, { id: basename(resolve(d)) })));
}
