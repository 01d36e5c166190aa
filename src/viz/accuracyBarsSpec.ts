import type { ChartSpec } from './renderVegaLite.js';

/** One method's test accuracy (0..1), e.g. a single model, uniform weights, PPO. */
export interface AccuracyRow {
  readonly method: string;
  readonly accuracy: number;
}

/** Horizontal bar chart of test accuracy per method, in the given order, with the value printed on each bar. */
export function accuracyBarsSpec(rows: readonly AccuracyRow[], title = 'Test accuracy'): ChartSpec {
  const values = rows.map((r) => ({ method: r.method, accuracy: r.accuracy }));
  const order = rows.map((r) => r.method);
  return {
    title,
    data: { values },
    width: 360,
    height: { step: 24 },
    encoding: {
      y: { field: 'method', type: 'nominal', sort: order, title: null },
      x: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%' }, title: 'accuracy' },
    },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' } },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 }, encoding: { text: { field: 'accuracy', type: 'quantitative', format: '.1%' } } },
    ],
  };
}
