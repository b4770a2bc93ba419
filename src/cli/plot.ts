import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { SweepCurves__Output } from '../generated/proto/gradnoise/v1/SweepCurves.js';

/** Arm colours: the control in grey, the noise arm in blue, as in most renderings of Figure 2. */
const ARM_COLORS = { no_noise: '#7f7f7f', noise: '#1f77b4' } as const;

/**
 * The Vega-Lite spec of a sweep's learning curves, like the paper's Figure 2: one panel per cell,
 * the mean over seeds of each arm as a line, the min-max range over seeds as a band.
 */
export function curvesSpec(curves: SweepCurves__Output, title: string): TopLevelSpec {
  const values = curves.curves.flatMap((curve) =>
    curve.points.map((p) => ({
      cell: curve.cell,
      arm: curve.arm,
      step: Number(p.step),
      mean: p.mean,
      min: p.min,
      max: p.max,
      runs: p.runs,
    })),
  );
  const cells = [...new Set(curves.curves.map((c) => c.cell))];
  const x = { field: 'step', type: 'quantitative', title: 'step' } as const;
  const color = {
    field: 'arm',
    type: 'nominal',
    title: 'arm',
    scale: { domain: Object.keys(ARM_COLORS), range: Object.values(ARM_COLORS) },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    facet: { field: 'cell', type: 'nominal', title: null, sort: cells },
    columns: Math.min(3, cells.length),
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 260,
      height: 180,
      layer: [
        {
          mark: { type: 'area', opacity: 0.18 },
          encoding: {
            x,
            y: { field: 'min', type: 'quantitative', title: curves.metric },
            y2: { field: 'max' },
            color,
          },
        },
        {
          mark: { type: 'line', strokeWidth: 2 },
          encoding: { x, y: { field: 'mean', type: 'quantitative', title: curves.metric }, color },
        },
      ],
    },
  };
}

/** Renders the curves to a standalone SVG document (headless Vega, no canvas, no network). */
export async function renderCurvesSvg(curves: SweepCurves__Output, title: string): Promise<string> {
  const view = new View(parse(compile(curvesSpec(curves, title)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
