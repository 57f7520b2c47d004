import type { ChartConfiguration } from 'chart.js';
import { renderChartPng } from './render.ts';
import { pickRows, points, timeAxis, valueAxis } from './series.ts';

export interface PriceChartInput {
  time: Float64Array;
  price: Float64Array;
  /** When given, the high–low range of each bar is drawn as a light band behind the close. */
  high?: Float64Array;
  low?: Float64Array;
  /** Rows where a buy / a sell happened (or was signalled). */
  buys?: ArrayLike<number>;
  sells?: ArrayLike<number>;
  title?: string;
  /** Hide the date labels (a panel above another one). */
  hideTimeLabels?: boolean;
}

/** Close price as a line with green ▲ at buys and red ▼ at sells. */
export function priceChartConfig(input: PriceChartInput): ChartConfiguration {
  const { time, price } = input;
  const rows = pickRows(price);
  const markerCount = (input.buys?.length ?? 0) + (input.sells?.length ?? 0);
  const radius = markerCount < 100 ? 6 : markerCount < 500 ? 4 : 3;
  const marker = (idx: ArrayLike<number> | undefined) => (idx ? points(time, price, Array.from(idx).filter((i) => price[i] === price[i])) : []);
  const band: object[] = [];
  if (input.high && input.low) {
    band.push(
      { label: 'high', data: points(time, input.high, pickRows(input.high)), borderWidth: 0, pointRadius: 0, fill: false, order: 5 },
      { label: 'high–low', data: points(time, input.low, pickRows(input.low)), borderWidth: 0, pointRadius: 0, backgroundColor: 'rgba(135,206,235,0.4)', fill: '-1', order: 4 },
    );
  }
  return {
    type: 'line',
    data: {
      datasets: [
        ...band,
        { label: 'close', data: points(time, price, rows), borderColor: '#1f4e9c', backgroundColor: '#1f4e9c', borderWidth: 1, pointRadius: 0, order: 3 },
        { type: 'scatter', label: 'buy', data: marker(input.buys), pointStyle: 'triangle', pointRadius: radius, backgroundColor: '#1a9c3a', borderColor: '#0d5e22', order: 1 },
        { type: 'scatter', label: 'sell', data: marker(input.sells), pointStyle: 'triangle', rotation: 180, pointRadius: radius, backgroundColor: '#d62828', borderColor: '#7a1010', order: 2 },
      ],
    },
    options: {
      plugins: {
        title: { display: !!input.title, text: input.title ?? '' },
        legend: { position: 'top', align: 'end', labels: { filter: (item: { text: string }) => item.text !== 'high' } },
      },
      scales: { x: timeAxis(time[0]!, time[time.length - 1]!, !input.hideTimeLabels), y: valueAxis('price') },
    },
  } as ChartConfiguration;
}

export function renderPriceChart(input: PriceChartInput, width = 1000, height = 400): Buffer {
  return renderChartPng(priceChartConfig(input), width, height);
}
