import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, buildProgram } from '../../src/cli/main.js';
import { resolveRunConfig, DEFAULT_RUN_CONFIG } from '../../src/cli/RunConfig.js';
import { ConfigError } from '../../src/core/errors.js';

const COMMANDS = ['demo', 'train', 'eval', 'export', 'fit-answers', 'serve', 'bench'];

test('every command is registered and --help exits 0 with a usage text', async () => {
  const names = buildProgram().commands.map((c) => c.name());
  for (const c of COMMANDS) assert.ok(names.includes(c), `command ${c} registered (have ${names.join(', ')})`);
  for (const c of [...COMMANDS, '']) {
    const args = c ? [c, '--help'] : ['--help'];
    let stdout = '';
    const result = await main(args, { out: (t) => (stdout += t), err: () => {} });
    assert.equal(result, 0, `${args.join(' ')}`);
    assert.match(stdout, /Usage: llm-ensemble-gym/);
  }
});

test('usage and config errors exit 2 with one line and no stack trace; --verbose adds the stack', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leg-cli-'));
  try {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"algo": "mappo", "stepz": 3}');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"algo": ');
    const cases: [string[], RegExp][] = [
      [['train', '--no-such-flag'], /unknown option/],
      [['train', '--algo', 'sac'], /invalid/],
      [['train', '--env', 'answer', '--algo', 'ppo', '--steps', 'many'], /"--steps": "many" is not an integer/],
      [['train', '--env', 'answer', '--config', bad], /stepz/],
      [['train', '--env', 'answer', '--config', broken], /not valid JSON/],
      [['train', '--env', 'answer', '--config', join(dir, 'missing.json')], /cannot read/],
      [['train', '--env', 'answer', '--algo', 'ppo'], /--data/],
      [['fit-answers'], /required option '--data/],
      [['fit-answers', '--data', join(dir, 'nope.json')], /cannot read/],
      [['eval', '--checkpoint', join(dir, 'nope.json')], /does not exist/],
      [['bench', 'no-such-benchmark'], /no benchmark named/],
    ];
    for (const [args, pattern] of cases) {
      const lines: string[] = [];
      const result = await main(args, { out: () => {}, err: (l) => lines.push(l) });
      const text = lines.join('\n');
      assert.equal(result, 2, `${args.join(' ')} -> ${text}`);
      assert.match(text, pattern, args.join(' '));
      assert.equal(text.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${text}`);
      assert.doesNotMatch(text, /\n\s+at /, 'no stack trace');
    }
    const lines: string[] = [];
    await main(['train', '--env', 'answer', '--config', bad, '--verbose'], { out: () => {}, err: (l) => lines.push(l) });
    assert.match(lines.join('\n'), /\n\s+at /, '--verbose prints the stack');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config file and flags resolve to one typed config: defaults < file < flags', () => {
  assert.deepEqual(resolveRunConfig(), DEFAULT_RUN_CONFIG);
  const cfg = resolveRunConfig({ algo: 'mappo', steps: 100, seed: 3, ppo: { learningRate: 0.001 } }, { steps: 50, spanLength: undefined });
  assert.equal(cfg.algo, 'mappo');
  assert.equal(cfg.steps, 50);
  assert.equal(cfg.seed, 3);
  assert.equal(cfg.spanLength, DEFAULT_RUN_CONFIG.spanLength);
  assert.deepEqual(cfg.ppo, { learningRate: 0.001 });
  assert.throws(
    () => resolveRunConfig({ algo: 'sac' }),
    (e: unknown) => e instanceof ConfigError && /algo/.test(e.message),
  );
  assert.throws(
    () => resolveRunConfig({}, { steps: 0 }),
    (e: unknown) => e instanceof ConfigError && /steps/.test(e.message),
  );
  assert.throws(
    () => resolveRunConfig({ bogus: 1 }),
    (e: unknown) => e instanceof ConfigError && /Known fields/.test(e.message),
  );
});
