import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('benchmarks/serve-load.ts --smoke: 500 loopback requests at concurrency 16, no failures, no leaked socket, bounded heap', () => {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'benchmarks/serve-load.ts', '--smoke'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
  assert.match(res.stdout, /ratio keep-alive \/ new connection throughput: \d+\.\d+x/);
  const sockets =
    /sockets: (\d+) open before the load, up to (\d+) during it, (\d+) after it \(clients closed\), (\d+) after server\.close\(\) \(baseline (\d+)\)/.exec(
      res.stdout,
    );
  assert.ok(sockets, res.stdout);
  const [, , peak, after, closed, baseline] = sockets.map(Number);
  assert.ok(peak > 0 && after === baseline && closed === baseline);
  const heap = /heap after \/ before the load \(after GC\): (\d+\.\d+)/.exec(res.stdout);
  assert.ok(heap && Number(heap[1]) <= 2, res.stdout);
  assert.match(res.stdout, /keep-alive\s+│\s+500\s+│\s+16\s+│\s+500\s+│\s+0\s+│/);
  console.log(
    res.stdout
      .split('\n')
      .filter((l) => /keep-alive|new connection|sockets|heap/.test(l))
      .join('\n'),
  );
});
