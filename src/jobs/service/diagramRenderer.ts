import { priceChartConfig } from '../../charts/priceChart.ts';
import { stackPanelsPng } from '../../charts/render.ts';
import { scoreChartConfig } from '../../charts/scoreChart.ts';
import type { DiagramData } from './diagram.ts';

/** Indices of the rows whose flag column is set. */
function flagged(values: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] === 1) out.push(i);
  return out;
}

/** The diagram of §7.4 as two stacked panels: close with the trades, the score with its thresholds. */
export function renderDiagram(data: DiagramData, width = 1200): Buffer {
  const f = data.frame;
  const price = priceChartConfig({
    time: f.time,
    price: f.get('close'),
    high: f.get('high'),
    low: f.get('low'),
    buys: flagged(f.get('buy_long')),
    sells: flagged(f.get('sell_long')),
    title: data.title,
    hideTimeLabels: true,
  });
  const score = scoreChartConfig({
    time: f.time,
    scores: [{ name: data.scoreColumn, values: f.get(data.scoreColumn) }],
    thresholds: data.thresholds.map((value) => ({ value, label: `${value > 0 ? '+' : ''}${value}` })),
  });
  return stackPanelsPng(
    [
      { config: price, height: 420 },
      { config: score, height: 240 },
    ],
    width,
  );
}
