import { renderTable } from './renderTable.js';
import type { MethodResult } from '../experiments/decoding/runDecodingExperiment.js';

/** The comparison table: accuracy (%), tokens/s and wall time per method, plus each learned method's gain over the best fixed weights. */
export function formatResultsTable(rows: readonly MethodResult[]): string {
  const fixed = rows.find((r) => r.method === 'best fixed weights');
  return renderTable(
    ['method', 'accuracy %', 'vs best fixed (points)', 'tokens/s', 'wall s'],
    rows.map((r) => [
      r.method + (r.weights ? ` [${r.weights.map((w) => w.toFixed(2)).join(', ')}]` : ''),
      Number((100 * r.accuracy).toFixed(1)),
      fixed && r.kind !== 'single' && r !== fixed ? `${r.accuracy >= fixed.accuracy ? '+' : ''}${(100 * (r.accuracy - fixed.accuracy)).toFixed(1)}` : '',
      Math.round(r.tokensPerSecond),
      Number(r.wallSeconds.toFixed(2)),
    ]),
    1,
  );
}
