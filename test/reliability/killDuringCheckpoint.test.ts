// Crash safety of checkpoints (src/algos/checkpoint.ts): a child process runs the checkpoint writer
// in a loop and is killed with SIGKILL at 50 seeded random moments. After every kill the latest
// checkpoint on disk must load, be at least as new as the last write the child reported, and let
// the next child continue from it; every fifth time training resumes from it in
// this process and runs an iteration. A successful write removes the temp files the killed writers
// before it left, so none remains after it. Then damaged checkpoints (truncated, bytes flipped,
// checksum, format or version changed) must be refused with a CheckpointError that names the file,
// by the reader, by resume and by a writer starting on them, and never be overwritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { initBackend } from '../../src/backend/initBackend.js';
import { CheckpointError, readCheckpoint, resumeFromCheckpoint, saveCheckpoint } from '../../src/algos/checkpoint.js';
import type { OnPolicyAlgorithm } from '../../src/algos/OnPolicyAlgorithm.js';
import { makeAlgorithm } from '../../src/algos/makeAlgorithm.js';
import { Rng } from '../../src/core/Rng.js';
import { readJsonl } from '../../src/core/readJsonl.js';
import { CRASH_RUN_CONFIG, crashRunEnvs } from './crashRun.js';

const KILLS = 50;
const work = mkdtempSync(join(tmpdir(), 'leg-kill-ckpt-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

/** Bundles the writer child so that starting it loads neither tsx nor tfjs (makeAlgorithm is only needed to resume). */
async function bundleWriter(): Promise<string> {
  const outfile = join(work, 'writer.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./checkpointWriterChild.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'error',
    external: ['@tensorflow/*', 'onnxruntime-node'],
    plugins: [
      {
        name: 'no-make-algorithm',
        setup(b) {
          b.onResolve({ filter: /\/makeAlgorithm\.js$/ }, () => ({ path: 'makeAlgorithm', namespace: 'stub' }));
          b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
            contents: 'export function makeAlgorithm() { throw new Error("not in the writer child"); }',
            loader: 'js',
          }));
        },
      },
    ],
  });
  return outfile;
}

interface ChildRun {
  readonly pid: number;
  readonly ready: number;
  readonly lastSaved: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** When to kill the writer: `ms` after it is ready, after it reported `saves` writes, or never (it must exit on its own). */
type Kill = { readonly ms: number } | { readonly saves: number } | null;

/** Starts the writer on `dir`, kills it as `kill` says, and reports what it said. */
function runWriter(script: string, dir: string, base: string, kill: Kill): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, dir, base], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '',
      err = '',
      ready = -1,
      lastSaved = -1;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const l of lines) {
        const [word, n] = l.split(' ');
        if (word === 'ready') {
          ready = Number(n);
          if (kill && 'ms' in kill) setTimeout(() => child.kill('SIGKILL'), kill.ms);
        } else if (word === 'saved') {
          lastSaved = Number(n);
          if (kill && 'saves' in kill && lastSaved - ready >= kill.saves) child.kill('SIGKILL');
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ pid: child.pid ?? -1, ready, lastSaved, code, signal, stderr: err }));
  });
}

test(`SIGKILL during checkpoint writes, ${KILLS} times: the latest checkpoint always loads and training resumes from it`, async () => {
  await initBackend({ force: 'cpu' });
  const first = makeAlgorithm(crashRunEnvs(), CRASH_RUN_CONFIG);
  await first.iterate();
  const base = join(work, 'base-state.json');
  writeFileSync(base, JSON.stringify(first.saveState()));
  first.dispose();
  const script = await bundleWriter();
  let midWrite = 0,
    resumed = 0,
    writes = 0,
    cleaned = 0;
  const temps = (dir: string): string[] => readdirSync(dir).filter((f) => f.includes('.tmp'));
  // Two independent runs side by side cut the wall time (child start-up dominates); 50 kills in all.
  const lane = async (name: string, kills: number): Promise<void> => {
    const dir = join(work, name);
    mkdirSync(dir);
    const rng = new Rng(`kill-during-checkpoint/${name}`);
    let expected = JSON.parse(readFileSync(base, 'utf8')).iteration as number;
    for (let k = 0; k < kills; k++) {
      const tempsBefore = temps(dir);
      // Mostly within the first writes, sometimes after many: kills land in every phase of a write.
      const ms = rng.next() < 0.7 ? rng.uniform(0, 15) : rng.uniform(15, 120);
      const run = await runWriter(script, dir, base, { ms });
      assert.equal(run.signal, 'SIGKILL', `${name} child ${k} was not killed: code ${run.code}, stderr ${run.stderr}`);
      assert.equal(run.ready, expected, `${name} child ${k} continued from iteration ${run.ready}, the checkpoint on disk had ${expected}`);
      const after = temps(dir);
      const own = after.filter((f) => f.startsWith(`ckpt.json.${run.pid}.`));
      if (own.length > 0) midWrite++;
      cleaned += tempsBefore.filter((f) => !after.includes(f)).length;
      if (run.lastSaved !== -1) {
        // The child completed a write, and each write first removes the temps of killed writers.
        assert.deepEqual(
          after.filter((f) => !own.includes(f)),
          [],
          `${name} child ${k} wrote a checkpoint but temps of killed writers remain`,
        );
      }
      const path = join(dir, 'ckpt.json');
      if (!existsSync(path)) {
        assert.equal(run.lastSaved, -1, 'a write was reported but no checkpoint exists');
        continue;
      }
      const state = readCheckpoint(path);
      // The child reports a write after it returns, so the file is that one or one newer.
      const reported = Math.max(run.lastSaved, run.ready);
      assert.ok(
        state.iteration >= reported && state.iteration <= reported + 1,
        `checkpoint iteration ${state.iteration}, last reported write ${run.lastSaved}`,
      );
      writes += state.iteration - expected;
      expected = state.iteration;
      if (existsSync(join(dir, 'metrics.jsonl'))) {
        const { records, warnings } = await readJsonl<{ iteration: number }>(join(dir, 'metrics.jsonl'));
        assert.ok(warnings.length <= 1);
        const its = records.map((r) => r.iteration);
        assert.ok(
          its.every((x, i) => i === 0 || x > its[i - 1]),
          'metrics iterations go back',
        );
        assert.ok(its.length === 0 || its[its.length - 1] <= state.iteration);
      }
      if (k % 5 === 4) {
        const algo = await resumeFromCheckpoint(path, crashRunEnvs());
        assert.equal(algo.iteration, state.iteration);
        const m = await algo.iterate();
        assert.equal(m.iteration, state.iteration + 1);
        assert.ok(Number.isFinite(m.policyLoss) && Number.isFinite(m.valueLoss));
        algo.dispose();
        resumed++;
      }
    }
    // One more successful write, here: no temp file of any killed writer is left.
    const path = join(dir, 'ckpt.json');
    const state = readCheckpoint(path);
    cleaned += temps(dir).length;
    saveCheckpoint(path, { saveState: () => ({ ...state, iteration: state.iteration + 1 }) } as unknown as OnPolicyAlgorithm);
    assert.deepEqual(temps(dir), [], `${name}: temp files remain after a successful write`);
    assert.equal(readCheckpoint(path).iteration, state.iteration + 1);
  };
  await Promise.all([lane('a', KILLS / 2), lane('b', KILLS / 2)]);
  assert.ok(writes > KILLS, `only ${writes} checkpoints were written`);
  assert.equal(cleaned, midWrite, 'every temp file a killed writer left is removed by a later write');
  console.log(
    `reliability: ${KILLS} SIGKILLs during ${writes} checkpoint writes (${midWrite} left a temp file: killed mid-write; ${cleaned} such temps removed by later writes, 0 left); ${KILLS}/${KILLS} latest checkpoints loaded, each next child continued from it, ${resumed} resumed training ran an iteration`,
  );
});

test('damaged checkpoints are refused with a CheckpointError naming the file, by read, resume and a starting writer, and never overwritten', async () => {
  await initBackend({ force: 'cpu' });
  const algo = makeAlgorithm(crashRunEnvs(), CRASH_RUN_CONFIG);
  await algo.iterate();
  const base = join(work, 'base-state-2.json');
  writeFileSync(base, JSON.stringify(algo.saveState()));
  algo.dispose();
  const good = join(work, 'good');
  mkdirSync(good, { recursive: true });
  const script = await bundleWriter();
  await runWriter(script, good, base, { saves: 2 });
  const intact = readFileSync(join(good, 'ckpt.json'), 'utf8');
  assert.ok(readCheckpoint(join(good, 'ckpt.json')).iteration >= 1);

  const rng = new Rng('damaged-checkpoints');
  const payloadAt = intact.indexOf('"payload"') + 12;
  const damaged: Array<[string, string]> = [];
  for (let i = 0; i < 20; i++) damaged.push([`truncated at ${i}`, intact.slice(0, rng.int(intact.length))]);
  for (let i = 0; i < 20; i++) {
    const at = payloadAt + rng.int(intact.length - payloadAt - 2);
    const c = intact[at] === '1' ? '2' : '1';
    damaged.push([`byte ${at} changed`, intact.slice(0, at) + c + intact.slice(at + 1)]);
  }
  damaged.push(['checksum changed', intact.replace(/"checksum":"[0-9a-f]/, (m) => `${m.slice(0, -1)}${m.endsWith('0') ? '1' : '0'}`)]);
  damaged.push(['format changed', intact.replace('llm-ensemble-gym/checkpoint', 'other/checkpoint')]);
  damaged.push(['version changed', intact.replace('"version":1', '"version":99')]);
  damaged.push(['empty', '']);
  damaged.push(['zero bytes', '\u0000'.repeat(4096)]);
  let refused = 0;
  for (const [what, text] of damaged) {
    if (text === intact) continue;
    const dir = join(work, `damaged-${refused}`);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'ckpt.json');
    writeFileSync(path, text);
    assert.throws(
      () => readCheckpoint(path),
      (e: unknown) => e instanceof CheckpointError && e.message.includes(path),
      what,
    );
    await assert.rejects(resumeFromCheckpoint(path, crashRunEnvs()), (e: unknown) => e instanceof CheckpointError, what);
    assert.equal(readFileSync(path, 'utf8'), text, `${what}: the damaged checkpoint was changed`);
    refused++;
  }
  // A writer starting on a damaged checkpoint stops instead of overwriting it (one spawn is enough).
  const dir = join(work, 'damaged-writer');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'ckpt.json');
  const text = damaged[25][1];
  writeFileSync(path, text);
  const run = await runWriter(script, dir, base, null);
  assert.equal(run.code, 3);
  assert.match(run.stderr, /CheckpointError: checkpoint .*ckpt\.json: /);
  assert.equal(readFileSync(path, 'utf8'), text);
  console.log(`reliability: ${refused} damaged checkpoints refused with CheckpointError by read and resume, plus one by a starting writer; 0 overwritten`);
});
