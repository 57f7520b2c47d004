import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type ChartItem, type Plugin } from 'chart.js';
import { chartFont } from './fonts.ts';

Chart.register(...registerables);

/** Paints the background (chart.js leaves it transparent). */
const background: Plugin = {
  id: 'itbBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** Width of every y axis, so that stacked panels share the same plot area horizontally. */
export const Y_AXIS_WIDTH = 76;

/**
 * Draws one chart.js chart on a new canvas of the given size (no animation, no DOM) and
 * hands the canvas to `use` before the chart is destroyed (destroying clears the canvas).
 */
export function drawChart<T>(config: ChartConfiguration, width: number, height: number, use: (canvas: Canvas) => T): T {
  const family = chartFont();
  const canvas = createCanvas(width, height);
  Chart.defaults.font.family = family;
  const options = { ...(config.options ?? {}), responsive: false, animation: false as const, devicePixelRatio: 1 };
  const chart = new Chart(canvas.getContext('2d') as unknown as ChartItem, {
    ...config,
    options,
    plugins: [...(config.plugins ?? []), background],
  } as ChartConfiguration);
  try {
    return use(canvas);
  } finally {
    chart.destroy();
  }
}

/** One chart as a PNG. */
export function renderChartPng(config: ChartConfiguration, width: number, height: number): Buffer {
  return drawChart(config, width, height, (canvas) => canvas.toBuffer('image/png'));
}

/** Panels stacked top to bottom on one PNG of the given width. */
export function stackPanelsPng(panels: Array<{ config: ChartConfiguration; height: number }>, width: number): Buffer {
  const total = panels.reduce((s, p) => s + p.height, 0);
  const out = createCanvas(width, total);
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, total);
  let y = 0;
  for (const p of panels) {
    drawChart(p.config, width, p.height, (canvas) => ctx.drawImage(canvas, 0, y));
    y += p.height;
  }
  return out.toBuffer('image/png');
}
