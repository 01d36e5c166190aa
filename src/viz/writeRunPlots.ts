import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderVegaLiteSvg, svgToPng, type ChartSpec } from './renderVegaLite.js';
import { learningCurvesSpec } from './learningCurvesSpec.js';
import { weightHeatmapSpec, type WeightTrace } from './weightHeatmapSpec.js';
import { accuracyBarsSpec, type AccuracyRow } from './accuracyBarsSpec.js';
import type { MetricsRecord } from './MetricsRecord.js';

/** What a run's plots are drawn from; each part is optional and its plot is skipped when absent or empty. */
export interface RunPlotData {
  readonly metrics?: readonly MetricsRecord[];
  readonly traces?: readonly WeightTrace[];
  readonly accuracy?: readonly AccuracyRow[];
}

/**
 * Writes `learning-curves`, `weights` and `accuracy` as `.png` and `.svg` (plus each `.vl.json` spec,
 * so a chart can be restyled without rerunning) into `dir`; returns the PNG paths written.
 */
export async function writeRunPlots(dir: string, data: RunPlotData): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const charts: [string, ChartSpec][] = [];
  if (data.metrics && data.metrics.length > 0) charts.push(['learning-curves', learningCurvesSpec(data.metrics)]);
  if (data.traces && data.traces.length > 0) charts.push(['weights', weightHeatmapSpec(data.traces)]);
  if (data.accuracy && data.accuracy.length > 0) charts.push(['accuracy', accuracyBarsSpec(data.accuracy)]);
  const written: string[] = [];
  for (const [name, spec] of charts) {
    const png = join(dir, `${name}.png`);
    writeFileSync(join(dir, `${name}.vl.json`), JSON.stringify(spec, null, 1));
    const svg = await renderVegaLiteSvg(spec);
    writeFileSync(join(dir, `${name}.svg`), svg);
    writeFileSync(png, svgToPng(svg));
    written.push(png);
  }
  return written;
}
