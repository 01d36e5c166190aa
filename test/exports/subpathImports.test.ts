// Importing a lean entry point must not load the heavy runtimes: a child process imports it with a
// resolve hook that reports every package it resolves (ESM) and lists the CommonJS cache afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { repoRoot } from '../support/runDocBlocks.js';

const hooks = `export async function resolve(s, c, next) { const r = await next(s, c); const m = /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(r.url); if (m) process.stderr.write('resolved-package ' + m[1] + '\\n'); return r; }`;
const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;

/** Packages (other than tsx/esbuild) that importing `entry` loads, and the import's wall time. */
async function packagesLoadedBy(entry: string): Promise<{ packages: string[]; seconds: number }> {
  const script = `
import { createRequire } from 'node:module';
const t = performance.now();
await import(${JSON.stringify(entry)});
const seconds = (performance.now() - t) / 1000;
const cjs = Object.keys(createRequire(import.meta.url).cache).map((k) => (/node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(k) ?? [])[1]).filter(Boolean);
console.log(JSON.stringify({ cjs, seconds }));`;
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: repoRoot, timeout: 120_000 },
      (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve({ stdout: out, stderr: errOut })),
    ),
  );
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { cjs: string[]; seconds: number };
  const esm = [...stderr.matchAll(/^resolved-package (\S+)$/gm)].map((m) => m[1]);
  const packages = [...new Set([...esm, ...result.cjs])].filter((p) => p !== 'tsx' && p !== 'esbuild').sort();
  return { packages, seconds: result.seconds };
}

const heavy = /^(@tensorflow\/|onnxruntime-node$|onnxruntime-common$|@resvg\/|vega|cli-progress$|onnx-proto$)/;

for (const entry of ['llm-ensemble-gym/core', 'llm-ensemble-gym/envs', 'llm-ensemble-gym/testing']) {
  test(`importing ${entry} loads neither tfjs nor onnxruntime (nor resvg, vega, cli-progress)`, async () => {
    const { packages, seconds } = await packagesLoadedBy(entry);
    assert.deepEqual(
      packages.filter((p) => heavy.test(p)),
      [],
      `${entry} loaded ${packages.join(', ')}`,
    );
    console.log(`# ${entry}: ${seconds.toFixed(2)} s, packages: ${packages.join(', ')}`);
  });
}

test('the hook sees heavy packages where they are used (the check above can fail)', async () => {
  const { packages } = await packagesLoadedBy('llm-ensemble-gym/algos');
  assert.ok(packages.includes('@tensorflow/tfjs'), packages.join(', '));
  const models = await packagesLoadedBy('llm-ensemble-gym/models');
  assert.ok(models.packages.includes('onnxruntime-node'), models.packages.join(', '));
});
