import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageInfo, versionLine } from '../../src/core/packageInfo.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('packageInfo: version from package.json, commit of this checkout when git finds one', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  const head = spawnSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  const info = packageInfo();
  assert.equal(info.name, pkg.name);
  assert.equal(info.version, pkg.version);
  assert.equal(info.commit, head.status === 0 ? head.stdout.trim() : undefined);
  assert.equal(versionLine({ name: 'x', version: '1.2.3' }), '1.2.3');
  assert.equal(versionLine({ name: 'x', version: '1.2.3', commit: 'a'.repeat(40) }), `1.2.3 (commit ${'a'.repeat(12)})`);
});

test('packageInfo without git on PATH omits the commit and does not throw', () => {
  const script = "const m = await import('./src/core/packageInfo.ts'); process.stdout.write(JSON.stringify(m.packageInfo()));";
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', env: { PATH: '' } });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(info.version, packageInfo().version);
  assert.equal('commit' in info, false);
});
