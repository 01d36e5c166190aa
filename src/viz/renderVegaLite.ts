import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';

// vega, vega-lite and resvg (a native module) load on first use, so importing the package does not pay for them.
const requireNative = createRequire(import.meta.url);

/** A Vega-Lite chart description (the JSON a user could paste into the Vega editor). */
export type ChartSpec = TopLevelSpec;

/** Options of `renderVegaLitePng`. */
export interface RenderOptions {
  /** Pixel density: 2 gives a sharp image on high-DPI screens and in papers. */
  readonly scale?: number;
}

/** Renders a Vega-Lite spec to SVG text headlessly (no canvas: vega's `renderer: 'none'` plus `toSVG`). */
export async function renderVegaLiteSvg(spec: ChartSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders a Vega-Lite spec to a PNG (white background, system fonts via resvg) and returns its bytes. */
export async function renderVegaLitePng(spec: ChartSpec, opts: RenderOptions = {}): Promise<Buffer> {
  return svgToPng(await renderVegaLiteSvg(spec), opts);
}

/** Rasterises an SVG document to PNG bytes (white background, system fonts via resvg). */
export function svgToPng(svg: string, opts: RenderOptions = {}): Buffer {
  const { Resvg } = requireNative('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: opts.scale ?? 2 },
    background: 'white',
    // Vega's default font is sans-serif; DejaVu Sans is the common headless fallback and is used when present.
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return Buffer.from(resvg.render().asPng());
}
