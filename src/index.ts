// Public API of llm-ensemble-gym: re-exports only. Each layer has its own entry point
// (`llm-ensemble-gym/core`, `/envs`, `/models`, `/algos`, `/testing`); the root is their union
// (minus /testing) plus plots, and loads everything (tfjs, onnxruntime). Add new exports to the layer's index.
export * from './core/index.js';
export * from './envs/index.js';
export * from './models/index.js';
export * from './algos/index.js';

// Plots (vega, vega-lite and resvg load on first use).
export { renderVegaLiteSvg, renderVegaLitePng, svgToPng, type ChartSpec, type RenderOptions } from './viz/renderVegaLite.js';
export { learningCurvesSpec } from './viz/learningCurvesSpec.js';
export { weightHeatmapSpec, type WeightTrace } from './viz/weightHeatmapSpec.js';
export { accuracyBarsSpec, type AccuracyRow } from './viz/accuracyBarsSpec.js';
export { writeRunPlots, type RunPlotData } from './viz/writeRunPlots.js';
export { parseMetricsJsonl, readMetricsJsonl, type MetricsRecord } from './viz/MetricsRecord.js';
