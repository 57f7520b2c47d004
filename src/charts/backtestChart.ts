import { priceChartConfig } from './priceChart.ts';
import { stackPanelsPng } from './render.ts';
import { scoreChartConfig, type ScoreLine } from './scoreChart.ts';
import { equityChartConfig } from './equityChart.ts';

export interface BacktestChartInput {
  time: Float64Array;
  price: Float64Array;
  buys: ArrayLike<number>;
  sells: ArrayLike<number>;
  scores: ScoreLine[];
  thresholds: Array<{ value: number; label: string; color?: string }>;
  equity: Float64Array;
  title: string;
}

export const BACKTEST_CHART_SIZE = { width: 1200, height: 900 } as const;

/** The backtest picture: price with the signals, the score with its thresholds, the equity with its drawdowns. */
export function renderBacktestChart(input: BacktestChartInput, width: number = BACKTEST_CHART_SIZE.width): Buffer {
  const { time, price } = input;
  let first = -1;
  for (let i = 0; i < price.length; i++) {
    if (price[i]! > 0) {
      first = i;
      break;
    }
  }
  const benchmark = new Float64Array(price.length);
  for (let i = 0; i < price.length; i++) benchmark[i] = first >= 0 && price[i]! > 0 ? price[i]! / price[first]! : NaN;
  return stackPanelsPng(
    [
      { height: 400, config: priceChartConfig({ time, price, buys: input.buys, sells: input.sells, title: input.title, hideTimeLabels: true }) },
      { height: 220, config: scoreChartConfig({ time, scores: input.scores, thresholds: input.thresholds, hideTimeLabels: true }) },
      { height: 280, config: equityChartConfig({ time, equity: input.equity, benchmark }) },
    ],
    width,
  );
}
