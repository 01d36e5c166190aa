import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nativeAddonProblem } from '../../src/backend/initBackend.js';

test('a tfjs-node package installed without its native addon is skipped without being loaded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leg-addon-'));
  try {
    const from = pathToFileURL(join(dir, 'index.js')).href;
    assert.equal(nativeAddonProblem('@tensorflow/tfjs-node', from), "Cannot find module '@tensorflow/tfjs-node'");
    const pkg = join(dir, 'node_modules', '@tensorflow', 'tfjs-node');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'dist/index.js' }));
    // What `npm ci` with ignore-scripts=true leaves: the package, no lib/napi-v*/tfjs_binding.node.
    assert.match(nativeAddonProblem('@tensorflow/tfjs-node', from) ?? '', /installed without its native addon \(its install script did not run/);
    mkdirSync(join(pkg, 'lib', 'napi-v8'), { recursive: true });
    assert.notEqual(nativeAddonProblem('@tensorflow/tfjs-node', from), null, 'an empty napi folder is still missing the addon');
    writeFileSync(join(pkg, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
    assert.equal(nativeAddonProblem('@tensorflow/tfjs-node', from), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
