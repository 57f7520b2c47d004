import type { ReturnCalendar } from './calendar.ts';
import { netProfitPerUnit, sideCounts, type Direction, type Side, type TradeCosts } from './trades.ts';

/**
 * The equity of an all-in account that follows the switches of the chosen direction,
 * compounded trade after trade and starting at 1. An open position is marked to market at
 * its liquidation value (exit costs included), so the curve meets the closed trade's figure
 * at the exit bar and drawdowns inside a trade are seen. Rows with a 0/NaN price keep the
 * previous value.
 */
export interface EquityStats {
  /** Equity at the last row (an open position at its liquidation value). */
  final: number;
  /** Largest fall from a running peak, as a fraction of that peak (0.25 = 25 %). */
  maxDrawdown: number;
  /** The same fall in units of the starting equity (peak − trough). */
  maxDrawdownAbs: number;
  /** Rows of that peak and trough; -1 when the equity never fell. */
  drawdownPeakIndex: number;
  drawdownTroughIndex: number;
  /** Equity return of each period of the calendar (a fraction). */
  periodReturns: Float64Array;
}

/** Fills `curve` (one value per row) when given; the statistics are computed either way. */
export function scanEquity(
  price: Float64Array,
  switches: Int32Array,
  direction: Direction,
  costs: TradeCosts,
  calendar: ReturnCalendar,
  curve?: Float64Array,
): EquityStats {
  const n = price.length;
  const ends = calendar.periodEnds;
  const periodEquity = new Float64Array(ends.length);
  let nextEnd = 0;

  let base = 1; // equity when the current position was opened (or while flat)
  let equity = 1;
  let peak = 1;
  let peakIndex = 0;
  let maxDd = 0;
  let maxDdAbs = 0;
  let ddPeak = -1;
  let ddTrough = -1;

  let side: Side | null = null;
  let entry = 0;
  let k = 0; // next switch
  let i = 0;
  while (i < n) {
    const segmentEnd = k < switches.length ? switches[k]! : n;
    if (side === null) {
      // Flat until the next switch: the equity stays where it is.
      if (curve) curve.fill(equity, i, segmentEnd);
      while (nextEnd < ends.length && ends[nextEnd]! < segmentEnd) periodEquity[nextEnd++] = equity;
      i = segmentEnd;
    } else {
      // Inside a trade the liquidation value is linear in the price: equity = slope·p + level.
      const { slope, level } = markToMarket(side, entry, base, costs);
      while (i < segmentEnd) {
        // Up to the next period end (inclusive) or the switch, whichever comes first.
        const periodEnd = nextEnd < ends.length ? ends[nextEnd]! : n;
        const stop = periodEnd < segmentEnd ? periodEnd + 1 : segmentEnd;
        for (; i < stop; i++) {
          const p = price[i]!;
          if (p === p && p !== 0) {
            equity = slope * p + level;
            if (equity < 0) equity = 0;
            if (equity > peak) {
              peak = equity;
              peakIndex = i;
            } else if (peak - equity > maxDd * peak) {
              maxDd = (peak - equity) / peak;
              maxDdAbs = peak - equity;
              ddPeak = peakIndex;
              ddTrough = i;
            }
          }
          if (curve) curve[i] = equity;
        }
        if (stop === periodEnd + 1) periodEquity[nextEnd++] = equity;
      }
    }
    if (i >= n) break;
    // Row i is a switch: close what is open at its price, then open the next side if it counts.
    const p = price[i]!;
    if (side !== null) {
      equity = base * (1 + netProfitPerUnit(side, entry, p, costs) / entry);
      if (equity < 0) equity = 0;
      base = equity;
    }
    const nextSide: Side = k % 2 === 0 ? 'long' : 'short';
    side = sideCounts(nextSide, direction) ? nextSide : null;
    entry = p;
    k++;
    if (side !== null) {
      equity = base * (1 + netProfitPerUnit(side, entry, p, costs) / entry);
      if (equity < 0) equity = 0;
    }
    if (equity > peak) {
      peak = equity;
      peakIndex = i;
    } else if (peak - equity > 0) {
      const dd = (peak - equity) / peak;
      if (dd > maxDd) {
        maxDd = dd;
        maxDdAbs = peak - equity;
        ddPeak = peakIndex;
        ddTrough = i;
      }
    }
    if (curve) curve[i] = equity;
    if (nextEnd < ends.length && ends[nextEnd] === i) periodEquity[nextEnd++] = equity;
    i++;
  }

  const periodReturns = new Float64Array(ends.length);
  let prev = 1;
  for (let j = 0; j < ends.length; j++) {
    const e = periodEquity[j]!;
    periodReturns[j] = prev > 0 ? e / prev - 1 : 0;
    prev = e;
  }
  return { final: equity, maxDrawdown: maxDd, maxDrawdownAbs: maxDdAbs, drawdownPeakIndex: ddPeak, drawdownTroughIndex: ddTrough, periodReturns };
}

/** Coefficients of the liquidation value of a position at price p (see netProfitPerUnit). */
function markToMarket(side: Side, entry: number, base: number, costs: TradeCosts): { slope: number; level: number } {
  const { fees, slippage } = costs;
  if (side === 'long') {
    const paid = entry * (1 + slippage) * (1 + fees);
    return { slope: (base * (1 - slippage) * (1 - fees)) / entry, level: base * (1 - paid / entry) };
  }
  const got = entry * (1 - slippage) * (1 - fees);
  return { slope: (-base * (1 + slippage) * (1 + fees)) / entry, level: base * (1 + got / entry) };
}
