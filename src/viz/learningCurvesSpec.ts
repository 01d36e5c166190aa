import type { ChartSpec } from './renderVegaLite.js';
import type { MetricsRecord } from './MetricsRecord.js';

/** Learning curves: success rate and mean return against env steps, one line per algorithm, two panels. */
export function learningCurvesSpec(records: readonly MetricsRecord[], title = 'Learning curves'): ChartSpec {
  const values: { algo: string; step: number; metric: string; value: number }[] = [];
  for (const r of records) {
    if (typeof r.successRate === 'number' && Number.isFinite(r.successRate))
      values.push({ algo: r.algo, step: r.step, metric: 'success rate', value: r.successRate });
    if (typeof r.meanReturn === 'number' && Number.isFinite(r.meanReturn))
      values.push({ algo: r.algo, step: r.step, metric: 'mean return', value: r.meanReturn });
  }
  return {
    title,
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['success rate', 'mean return'] } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 320,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'env steps' },
        y: { field: 'value', type: 'quantitative', title: null },
        color: { field: 'algo', type: 'nominal', title: 'algorithm' },
      },
    },
  };
}
