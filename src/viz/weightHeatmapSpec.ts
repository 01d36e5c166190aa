import type { ChartSpec } from './renderVegaLite.js';

/** The mixing weights one episode used: `weights[span][model]`, with the text each span decoded. */
export interface WeightTrace {
  readonly item: string;
  readonly modelIds: readonly string[];
  readonly weights: readonly (readonly number[])[];
  readonly spanTexts?: readonly string[];
}

/** Heat map of mixing weights (span × model), one panel per test item. */
export function weightHeatmapSpec(traces: readonly WeightTrace[], title = 'Mixing weights per span'): ChartSpec {
  const values: { item: string; span: number; model: string; weight: number; text: string }[] = [];
  for (const t of traces) {
    t.weights.forEach((w, span) => {
      t.modelIds.forEach((m, i) => values.push({ item: t.item, span, model: m, weight: w[i] ?? 0, text: t.spanTexts?.[span] ?? '' }));
    });
  }
  return {
    title,
    data: { values },
    // Item labels sit above each panel, unrotated, in the order given (fixed weights, then each algorithm).
    facet: {
      row: { field: 'item', type: 'nominal', title: null, sort: null, header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelFontSize: 11 } },
    },
    spec: {
      width: { step: 28 },
      height: { step: 22 },
      layer: [
        {
          mark: 'rect',
          encoding: {
            x: { field: 'span', type: 'ordinal', title: 'span' },
            y: { field: 'model', type: 'nominal', title: null },
            color: { field: 'weight', type: 'quantitative', scale: { domain: [0, 1], scheme: 'blues' }, title: 'weight' },
          },
        },
        {
          mark: { type: 'text', fontSize: 9 },
          encoding: {
            x: { field: 'span', type: 'ordinal' },
            y: { field: 'model', type: 'nominal' },
            text: { field: 'weight', type: 'quantitative', format: '.2f' },
            color: { condition: { test: 'datum.weight > 0.6', value: 'white' }, value: 'black' },
          },
        },
      ],
    },
  };
}
