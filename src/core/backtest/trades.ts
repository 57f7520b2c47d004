/**
 * Round-trip trades from the state machine's switches, priced at the bar's close with
 * optional costs. All-in/all-out, one position at a time, as the original simulates.
 */

export type Direction = 'long' | 'short' | 'both';
export type Side = 'long' | 'short';

/** What a trade pays on top of the close price. Both are fractions, per side. */
export interface TradeCosts {
  /** Exchange fee charged on the traded value at entry and again at exit (0.001 = 0.1 %). */
  fees: number;
  /** Execution worse than the close by this fraction (buys higher, sells lower). */
  slippage: number;
}

export const NO_COSTS: TradeCosts = { fees: 0, slippage: 0 };

export interface Trade {
  side: Side;
  entryIndex: number;
  exitIndex: number;
  entryTime: number;
  exitTime: number;
  /** Close prices of the entry and exit bars. */
  entryPrice: number;
  exitPrice: number;
  /** Per unit of the asset, in quote currency, before costs (the original's `profit`). */
  grossProfit: number;
  /** 100 · gross profit / entry price (the original's `%profit` of one trade). */
  grossPercent: number;
  /** Per unit, after fees and slippage on both sides. */
  netProfit: number;
  /** 100 · net profit / entry price; the trade multiplies an all-in equity by 1 + netPercent/100. */
  netPercent: number;
}

/** A position still open at the end of the data: not a trade yet (the original ignores it). */
export interface OpenPosition {
  side: Side;
  entryIndex: number;
  entryTime: number;
  entryPrice: number;
}

/**
 * Net profit per unit of a position opened at `entry` and closed at `exit` (close prices).
 * Also marks an open position to market: what it would bring if closed at `exit` now.
 */
export function netProfitPerUnit(side: Side, entry: number, exit: number, costs: TradeCosts): number {
  const { fees, slippage } = costs;
  if (side === 'long') {
    const paid = entry * (1 + slippage);
    const got = exit * (1 - slippage);
    return got - paid - fees * (paid + got);
  }
  const got = entry * (1 - slippage);
  const paid = exit * (1 + slippage);
  return got - paid - fees * (got + paid);
}

/** Whether trades of this side count under the chosen direction. */
export function sideCounts(side: Side, direction: Direction): boolean {
  return direction === 'both' || direction === side;
}

/**
 * The trades of the chosen direction. Long trades run from each buy switch to the next sell
 * switch, short trades from each sell switch to the next buy switch. The very first buy opens
 * a long only: the original also counted it as a zero-profit "short" transaction, which was
 * not a trade, so it is not counted here.
 */
export function tradesFromSwitches(
  switches: Int32Array,
  time: Float64Array,
  price: Float64Array,
  direction: Direction,
  costs: TradeCosts = NO_COSTS,
): { trades: Trade[]; open: OpenPosition | null } {
  const trades: Trade[] = [];
  for (let k = 0; k + 1 < switches.length; k++) {
    const side: Side = k % 2 === 0 ? 'long' : 'short';
    if (!sideCounts(side, direction)) continue;
    const entryIndex = switches[k]!;
    const exitIndex = switches[k + 1]!;
    const entryPrice = price[entryIndex]!;
    const exitPrice = price[exitIndex]!;
    const grossProfit = side === 'long' ? exitPrice - entryPrice : entryPrice - exitPrice;
    const netProfit = netProfitPerUnit(side, entryPrice, exitPrice, costs);
    trades.push({
      side,
      entryIndex,
      exitIndex,
      entryTime: time[entryIndex]!,
      exitTime: time[exitIndex]!,
      entryPrice,
      exitPrice,
      grossProfit,
      grossPercent: (100 * grossProfit) / entryPrice,
      netProfit,
      netPercent: (100 * netProfit) / entryPrice,
    });
  }
  return { trades, open: openPositionOf(switches, time, price, direction) };
}

/** The position the last switch opened, if its side counts under the direction. */
export function openPositionOf(switches: Int32Array, time: Float64Array, price: Float64Array, direction: Direction): OpenPosition | null {
  if (!switches.length) return null;
  const k = switches.length - 1;
  const side: Side = k % 2 === 0 ? 'long' : 'short';
  if (!sideCounts(side, direction)) return null;
  const entryIndex = switches[k]!;
  return { side, entryIndex, entryTime: time[entryIndex]!, entryPrice: price[entryIndex]! };
}
