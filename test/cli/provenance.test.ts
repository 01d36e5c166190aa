// What a user's bug report can quote: `--version`, and the package version and commit in every run's JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, onlyRun, withSyntheticAnswers } from '../support/cliHarness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const head = spawnSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
/** The commit the package reports, or undefined when this copy is not a git checkout (then none is reported). */
const commit = head.status === 0 ? head.stdout.trim() : undefined;

/** Reads `<run>/<file>` as JSON. */
const json = (run: string, file: string) => JSON.parse(readFileSync(join(run, file), 'utf8')) as Record<string, unknown>;

function assertPackage(record: Record<string, unknown>, where: string): void {
  assert.deepEqual(record.package, { name: 'llm-ensemble-gym', version, ...(commit ? { commit } : {}) }, where);
}

test('--version prints the package version, and the git commit when run from a checkout', () => {
  const r = cli(['--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), commit ? `${version} (commit ${commit.slice(0, 12)})` : version);
});

test('train and fit-answers record the package version and commit in config.json and results.json; the config still reloads', () => {
  withSyntheticAnswers('leg-prov-', { numItems: 60, seed: 3 }, (dir, data) => {
    const out = join(dir, 'runs');
    const t = cli(['train', '--env', 'answer', '--data', data, '--steps', '64', '--out', join(out, 'train')]);
    assert.equal(t.status, 0, t.stderr);
    const trainRun = onlyRun(join(out, 'train'));
    for (const f of ['config.json', 'results.json']) assertPackage(json(trainRun, f), `train ${f}`);
    // A run's config.json is a valid --config for the next run: `package` is a record, not a setting.
    const again = cli(['train', '--config', join(trainRun, 'config.json'), '--steps', '64', '--out', join(out, 'again')]);
    assert.equal(again.status, 0, again.stderr);
    const f = cli(['fit-answers', '--data', data, '--steps', '64', '--out', join(out, 'fit')]);
    assert.equal(f.status, 0, f.stderr);
    const fitRun = onlyRun(join(out, 'fit'));
    for (const file of ['config.json', 'results.json']) assertPackage(json(fitRun, file), `fit-answers ${file}`);
  });
});

test('a train run started with a relative --data path is evaluated from another folder', () => {
  withSyntheticAnswers('leg-prov-rel-', { numItems: 60, seed: 4 }, (dir) => {
    const bin = join(root, 'bin/llm-ensemble-gym.js');
    const env = { ...process.env, LEG_QUIET: '1' };
    const t = spawnSync(process.execPath, [bin, 'train', '--env', 'answer', '--data', 'answers.json', '--steps', '64', '--out', 'runs'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env,
    });
    assert.equal(t.status, 0, t.stderr);
    const run = onlyRun(join(dir, 'runs'));
    assert.equal(json(run, 'config.json').data, join(dir, 'answers.json'), 'config.json records the data file as an absolute path');
    const e = cli(['eval', '--checkpoint', join(run, 'checkpoint.json')]); // cwd: the repository
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stdout, /checkpoint\.json/);
  });
});

test('eval scores a demo checkpoint from another folder and reproduces the accuracy demo printed', () => {
  const out = mkdtempSync(join(tmpdir(), 'leg-demo-eval-'));
  try {
    const d = cli(['demo', '--quick', '--steps', '128', '--train-items', '8', '--test-items', '6', '--out', out]);
    assert.equal(d.status, 0, d.stderr);
    const run = onlyRun(out);
    const config = json(run, 'config.json');
    const results = json(run, 'results.json') as { rows: { method: string; accuracy: number }[] };
    assertPackage(config, 'demo config.json');
    assertPackage(results, 'demo results.json');
    assert.deepEqual(config.modelIds, ['tiny-gen-spbpe', 'tiny-rev-char', 'tiny-sum-bytebpe']);
    const plots = ['learning-curves', 'weights', 'accuracy'].map((p) => join(run, 'plots', `${p}.png`));
    assert.ok(d.stdout.includes(`plots (PNG, SVG beside each): ${plots.join(', ')}`), `demo prints the plot paths:\n${d.stdout}`);
    for (const algo of ['ppo', 'mappo']) {
      // cwd is the temp folder, not the repository: the recorded model directories must not depend on it.
      const e = spawnSync(process.execPath, [join(root, 'bin/llm-ensemble-gym.js'), 'eval', '--checkpoint', join(run, 'checkpoints', `${algo}.json`)], {
        cwd: out,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, LEG_QUIET: '1' },
      });
      assert.equal(e.status, 0, e.stderr);
      const cells = e.stdout
        .split('\n')
        .find((l) => l.includes(`${algo}.json`))
        ?.split('│')
        .map((c) => c.trim());
      assert.ok(cells, e.stdout);
      assert.equal(cells[5], '6', "test episodes: the demo run's 6 test items");
      const demoAcc = results.rows.find((r) => r.method === algo.toUpperCase())?.accuracy;
      assert.equal(cells[6], (100 * (demoAcc ?? NaN)).toFixed(1), `${algo}: eval accuracy equals the demo table's`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
