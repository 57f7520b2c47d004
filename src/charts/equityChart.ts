import type { ChartConfiguration } from 'chart.js';
import { renderChartPng } from './render.ts';
import { pickRows, points, timeAxis, valueAxis } from './series.ts';

export interface EquityChartInput {
  time: Float64Array;
  /** Equity per row (starting at 1). */
  equity: Float64Array;
  /** Buy-and-hold equity over the same rows (price / first price), drawn thin for comparison. */
  benchmark?: Float64Array;
  title?: string;
  hideTimeLabels?: boolean;
}

/** Equity line; the area between its running peak and the line is shaded red (the drawdowns). */
export function equityChartConfig(input: EquityChartInput): ChartConfiguration {
  const { time, equity } = input;
  const peak = new Float64Array(equity.length);
  let best = -Infinity;
  for (let i = 0; i < equity.length; i++) {
    const v = equity[i]!;
    if (v === v && v > best) best = v;
    peak[i] = best === -Infinity ? NaN : best;
  }
  // The same rows for both lines, so the shading is exact; the troughs are among them.
  const rows = pickRows(equity);
  const datasets: object[] = [
    { label: 'peak', data: points(time, peak, rows), borderColor: 'rgba(214,40,40,0.35)', borderWidth: 0.5, pointRadius: 0, fill: false },
    {
      label: 'equity (drawdown shaded)',
      data: points(time, equity, rows),
      borderColor: '#1f4e9c',
      backgroundColor: 'rgba(214,40,40,0.30)',
      borderWidth: 1.2,
      pointRadius: 0,
      fill: { target: 0, above: 'rgba(0,0,0,0)', below: 'rgba(214,40,40,0.30)' },
    },
  ];
  if (input.benchmark) {
    datasets.push({ label: 'buy and hold', data: points(time, input.benchmark, pickRows(input.benchmark)), borderColor: '#999999', backgroundColor: '#999999', borderWidth: 1, borderDash: [3, 3], pointRadius: 0 });
  }
  return {
    type: 'line',
    data: { datasets },
    options: {
      plugins: {
        title: { display: !!input.title, text: input.title ?? '' },
        legend: { position: 'top', align: 'end', labels: { filter: (item: { text: string }) => item.text !== 'peak' } },
      },
      scales: { x: timeAxis(time[0]!, time[time.length - 1]!, !input.hideTimeLabels), y: valueAxis('equity') },
    },
  } as ChartConfiguration;
}

export function renderEquityChart(input: EquityChartInput, width = 1000, height = 300): Buffer {
  return renderChartPng(equityChartConfig(input), width, height);
}
