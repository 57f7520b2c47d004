import type { ChartConfiguration } from 'chart.js';
import { renderChartPng } from './render.ts';
import { pickRows, points, timeAxis, valueAxis } from './series.ts';

export interface ScoreLine {
  name: string;
  values: Float64Array;
}

export interface ScoreChartInput {
  time: Float64Array;
  scores: ScoreLine[];
  /** Horizontal lines, e.g. the buy and sell thresholds. */
  thresholds?: Array<{ value: number; label: string; color?: string }>;
  title?: string;
  hideTimeLabels?: boolean;
}

const SCORE_COLORS = ['#6a3d9a', '#e07b00'];

/** Score line(s) with dashed threshold lines. */
export function scoreChartConfig(input: ScoreChartInput): ChartConfiguration {
  const { time } = input;
  const t0 = time[0]!;
  const t1 = time[time.length - 1]!;
  const datasets: object[] = input.scores.map((s, j) => ({
    label: s.name,
    data: points(time, s.values, pickRows(s.values)),
    borderColor: SCORE_COLORS[j % SCORE_COLORS.length],
    backgroundColor: SCORE_COLORS[j % SCORE_COLORS.length],
    borderWidth: 1,
    pointRadius: 0,
    order: 2,
  }));
  for (const th of input.thresholds ?? []) {
    const color = th.color ?? (th.value >= 0 ? '#1a9c3a' : '#d62828');
    datasets.push({ label: th.label, data: [{ x: t0, y: th.value }, { x: t1, y: th.value }], borderColor: color, backgroundColor: color, borderDash: [6, 4], borderWidth: 2, pointRadius: 0, order: 1 });
  }
  return {
    type: 'line',
    data: { datasets },
    options: {
      plugins: { title: { display: !!input.title, text: input.title ?? '' }, legend: { position: 'top', align: 'end' } },
      scales: { x: timeAxis(t0, t1, !input.hideTimeLabels), y: valueAxis('score') },
    },
  } as ChartConfiguration;
}

export function renderScoreChart(input: ScoreChartInput, width = 1000, height = 300): Buffer {
  return renderChartPng(scoreChartConfig(input), width, height);
}
