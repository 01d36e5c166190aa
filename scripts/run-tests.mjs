#!/usr/bin/env node
// Runs every test/**/*.test.ts with node:test through tsx and fails when zero tests ran.
// Node 20 does not expand globs in `node --test`, so the files are collected here.
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv.slice(2);

/** Lists files under `dir` whose names end with `.test.ts`, depth first, sorted. */
function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = collect(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('run-tests: no test files found under test/ (expected test/**/*.test.ts)');
  process.exit(1);
}

// A per-run TAP file, so parallel runs in one checkout never read each other's counts.
const tapFile = join(tmpdir(), `llm-ensemble-gym-tests-${process.pid}.tap`);
const args = [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${tapFile}`,
  ...files,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, LEG_QUIET: process.env.LEG_QUIET ?? '1' } });
child.on('exit', (code, signal) => {
  let tap = '';
  try {
    tap = readFileSync(tapFile, 'utf8');
  } catch {
    /* a missing file reads as zero tests, which fails below */
  }
  rmSync(tapFile, { force: true });
  const count = (k) => Number((tap.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  const passed = count('pass'),
    failed = count('fail'),
    skipped = count('skipped'),
    tests = count('tests');
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (tests === 0) {
    console.error('run-tests: zero tests ran - failing on purpose');
    process.exit(1);
  }
  process.exit(signal ? 1 : (code ?? 1));
});
