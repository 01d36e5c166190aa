import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMetricsJsonl, readMetricsJsonl } from '../../src/viz/MetricsRecord.js';
import { writeRunPlots } from '../../src/viz/writeRunPlots.js';
import { renderVegaLitePng } from '../../src/viz/renderVegaLite.js';
import { accuracyBarsSpec } from '../../src/viz/accuracyBarsSpec.js';
import { ConfigError } from '../../src/core/errors.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk. */
function pngSize(buf: Buffer): { width: number; height: number } {
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

test('writeRunPlots renders learning curves, weight heat map and accuracy bars from a metrics file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leg-plots-'));
  try {
    const lines = [];
    for (const algo of ['ppo', 'mappo']) {
      for (let s = 1; s <= 5; s++) lines.push(JSON.stringify({ algo, step: s * 64, successRate: s / 6 + (algo === 'ppo' ? 0 : 0.05), meanReturn: s / 5 }));
    }
    const metricsPath = join(dir, 'metrics.jsonl');
    writeFileSync(metricsPath, lines.join('\n') + '\n');
    const written = await writeRunPlots(join(dir, 'plots'), {
      metrics: readMetricsJsonl(metricsPath),
      traces: [
        {
          item: '12+7',
          modelIds: ['add', 'copy'],
          weights: [
            [0.9, 0.1],
            [0.2, 0.8],
            [0.5, 0.5],
          ],
        },
        {
          item: '3+4',
          modelIds: ['add', 'copy'],
          weights: [
            [0.7, 0.3],
            [0.1, 0.9],
          ],
        },
      ],
      accuracy: [
        { method: 'uniform', accuracy: 0.41 },
        { method: 'PPO', accuracy: 0.62 },
        { method: 'MAPPO', accuracy: 0.66 },
      ],
    });
    assert.deepEqual(
      written.map((p) => p.split('/').pop()),
      ['learning-curves.png', 'weights.png', 'accuracy.png'],
    );
    for (const p of written) {
      const buf = readFileSync(p);
      assert.deepEqual(buf.subarray(0, 8), PNG_MAGIC, `${p} starts with the PNG signature`);
      const { width, height } = pngSize(buf);
      assert.ok(width >= 200 && width <= 4000 && height >= 100 && height <= 4000, `${p} is ${width}x${height}`);
      assert.ok(buf.length > 2000, `${p} has content (${buf.length} bytes)`);
      JSON.parse(readFileSync(p.replace(/\.png$/, '.vl.json'), 'utf8'));
      const svg = readFileSync(p.replace(/\.png$/, '.svg'), 'utf8');
      assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/, `${p} has an SVG twin`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writeRunPlots skips plots whose data is missing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leg-plots-'));
  try {
    assert.deepEqual(await writeRunPlots(dir, { metrics: [] }), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('scale doubles the pixel size', async () => {
  const spec = accuracyBarsSpec([{ method: 'a', accuracy: 0.5 }]);
  const one = pngSize(await renderVegaLitePng(spec, { scale: 1 }));
  const two = pngSize(await renderVegaLitePng(spec, { scale: 2 }));
  assert.ok(Math.abs(two.width - 2 * one.width) <= 2, `${two.width} vs 2x${one.width}`);
});

test('parseMetricsJsonl names the bad line', () => {
  assert.throws(
    () => parseMetricsJsonl('{"algo":"ppo","step":1}\n{oops\n', 'm.jsonl'),
    (e: unknown) => e instanceof ConfigError && /m\.jsonl:2/.test(e.message),
  );
  assert.throws(
    () => parseMetricsJsonl('{"step":1}\n'),
    (e: unknown) => e instanceof ConfigError && /"algo"/.test(e.message),
  );
  assert.equal(parseMetricsJsonl('\n{"algo":"ppo","step":3,"loss":1}\n').length, 1);
});
