// Crash recovery of the long commands (train, fit-answers, demo): each runs once uninterrupted, then
// again killed with SIGKILL at seeded random moments (after a random number of logged iterations plus
// a random delay, so kills land inside iterations, metrics appends and checkpoint writes, and once
// before the first iteration) and continued each time with `--resume <run dir>`. The resumed run's
// metrics.jsonl must equal the uninterrupted run's line for line (timing fields aside), its
// checkpoints must be byte for byte the same (the final model equals), and so must the test scores.
// Bounded: 6 kills in all, each child capped at 120 s; loopback is not used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { Rng } from '../../src/core/Rng.js';
import { readMetricsJsonl } from '../../src/viz/MetricsRecord.js';
import { syntheticAnswersObject } from '../../src/testing/syntheticAnswers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'leg-kill-resume-'));
test.after(() => rmSync(work, { recursive: true, force: true }));
const data = join(work, 'answers.json');
writeFileSync(data, JSON.stringify(syntheticAnswersObject({ numItems: 120, seed: 5 })));

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly runDir: string | null;
  readonly linesAtKill: number;
}

const lineCount = (path: string): number => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0);

/** Runs the CLI; with `kill`, SIGKILLs it `delayMs` after its metrics file holds `lines` lines (0: after it printed its run folder). */
function runCli(args: string[], kill: { lines: number; delayMs: number } | null, runDir: string | null = null): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/llm-ensemble-gym.js'), ...args], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LEG_QUIET: '1' },
    });
    let err = '';
    let dir = runDir;
    let fired = false;
    let linesAtKill = -1;
    const cap = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const poll = setInterval(() => {
      if (!kill || fired || dir === null) return;
      if (lineCount(join(dir, 'metrics.jsonl')) >= kill.lines) {
        fired = true;
        setTimeout(() => {
          linesAtKill = lineCount(join(dir!, 'metrics.jsonl'));
          child.kill('SIGKILL');
        }, kill.delayMs);
      }
    }, 3);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      dir ??= /run folder: (.+?)(?: \(resumed\))?\n/.exec(err)?.[1] ?? null;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(cap);
      clearInterval(poll);
      resolve({ code, signal, stderr: err, runDir: dir, linesAtKill });
    });
  });
}

const TIMING = new Set(['stepsPerSecond', 'rolloutSeconds', 'updateSeconds']);
const withoutTiming = (path: string): unknown[] => readMetricsJsonl(path).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !TIMING.has(k))));

/**
 * Runs `args` uninterrupted, then killed `kills` times and resumed, and compares the run folders.
 * `iterations` is how many metrics lines the whole run logs; `scores` reads the test scores of results.json.
 */
async function killAndResume(
  name: string,
  args: string[],
  iterations: number,
  kills: number,
  checkpoints: string[],
  scores: (results: any) => unknown,
): Promise<string> {
  const ref = await runCli([...args, '--out', join(work, `${name}-ref`)], null);
  assert.equal(ref.code, 0, ref.stderr);
  const refDir = ref.runDir!;
  assert.equal(lineCount(join(refDir, 'metrics.jsonl')), iterations);

  const rng = new Rng(`kill-and-resume/${name}`);
  let dir: string | null = null;
  const seen: string[] = [];
  for (let k = 0; k < kills; k++) {
    // The first kill of a run may come before any iteration is logged (no checkpoint yet).
    const lines = k === 0 && rng.next() < 0.5 ? 0 : 1 + rng.int(iterations - 1);
    const delayMs = rng.uniform(0, 60);
    const run: Run =
      dir === null
        ? await runCli([...args, '--out', join(work, `${name}-killed`)], { lines, delayMs })
        : await runCli([args[0], '--resume', dir], { lines, delayMs }, dir);
    dir ??= run.runDir;
    assert.ok(dir, `${name}: the run folder was printed (${run.stderr})`);
    assert.equal(run.signal, 'SIGKILL', `${name} kill ${k}: exited on its own (code ${run.code}): ${run.stderr}`);
    seen.push(`${run.linesAtKill}`);
  }
  const last = await runCli([args[0], '--resume', dir!], null, dir);
  assert.equal(last.code, 0, last.stderr);
  assert.deepEqual(
    withoutTiming(join(dir!, 'metrics.jsonl')),
    withoutTiming(join(refDir, 'metrics.jsonl')),
    `${name}: metrics after kills at ${seen.join(', ')} lines`,
  );
  for (const c of checkpoints)
    assert.ok(readFileSync(join(dir!, c)).equals(readFileSync(join(refDir, c))), `${name}: ${c} differs from the uninterrupted run's`);
  const read = (d: string): unknown => scores(JSON.parse(readFileSync(join(d, 'results.json'), 'utf8')));
  assert.deepEqual(read(dir!), read(refDir));
  return `${name}: ${kills} kills (at ${seen.join(', ')} of ${iterations} metrics lines)`;
}

test('train, fit-answers and demo killed with SIGKILL and resumed end with the metrics, checkpoints and scores of an uninterrupted run', async () => {
  const lines: string[] = [];
  const t0 = performance.now();
  lines.push(
    await killAndResume(
      'train',
      ['train', '--env', 'answer', '--algo', 'mappo', '--data', data, '--steps', '1280', '--seed', '3'],
      10,
      2,
      ['checkpoint.json'],
      (r) => r.test,
    ),
  );
  lines.push(
    await killAndResume(
      'fit-answers',
      ['fit-answers', '--data', data, '--algo', 'ppo', '--steps', '640', '--num-envs', '4', '--seed', '4'],
      20,
      2,
      ['checkpoint.json'],
      (r) => [r.curve, r.rows.map((x: { method: string; accuracy: number }) => [x.method, x.accuracy])],
    ),
  );
  lines.push(
    await killAndResume(
      'demo',
      ['demo', '--quick', '--steps', '256', '--train-items', '8', '--test-items', '6', '--seed', '2'],
      8,
      2,
      ['checkpoints/ppo.json', 'checkpoints/mappo.json'],
      (r) => r.rows.map((x: { method: string; accuracy: number }) => [x.method, x.accuracy]),
    ),
  );
  console.log(
    `reliability: ${lines.join('; ')}; metrics, checkpoints and test scores equal the uninterrupted runs' (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );
});

test('--resume refuses other flags, a folder without run.json and a run of another command, in one line naming --resume', async () => {
  const other = join(work, 'a-train-run');
  mkdirSync(other);
  writeFileSync(join(other, 'run.json'), JSON.stringify({ command: 'train', options: {} }));
  const cases: [string[], RegExp][] = [
    [['train', '--resume', other, '--steps', '5'], /"--resume": was given with --steps/],
    [['fit-answers', '--resume', work], /"--resume": .* has no run\.json/],
    [['demo', '--resume', other], /is a train run, not a demo run/],
  ];
  for (const [args, pattern] of cases) {
    const lines: string[] = [];
    assert.equal(await main(args, { out: () => {}, err: (l) => lines.push(l) }), 2, args.join(' '));
    assert.match(lines.join('\n'), pattern);
    assert.equal(lines.length, 1);
  }
});
