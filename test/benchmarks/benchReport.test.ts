import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBenchResult } from '../../benchmarks/lib/benchReport.js';
import { packageInfo } from '../../src/core/packageInfo.js';

test('every benchmark JSON carries the package name, version and (when available) git commit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leg-bench-report-'));
  try {
    const path = writeBenchResult('example', true, { ratio: 2 }, dir);
    assert.equal(path, join(dir, 'example-smoke.json'));
    const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    assert.equal(json.ratio, 2);
    assert.deepEqual(json.package, packageInfo());
    assert.match((json.package as { version: string }).version, /^\d+\.\d+\.\d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
