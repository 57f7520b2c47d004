import { DAY } from '../time.ts';
import { returnCalendar, type ReturnCalendar } from './calendar.ts';
import { scanEquity } from './equity.ts';
import { netProfitPerUnit, openPositionOf, sideCounts, tradesFromSwitches, type Direction, type OpenPosition, type Side, type Trade, type TradeCosts } from './trades.ts';

/** The original's month: 365/12 days. */
export const MONTH_MS = (365 / 12) * DAY;
const YEAR_MS = 365 * DAY;

/**
 * Everything measured about one simulation. Profits are per unit of the asset (quote
 * currency), percents are of the entry price; "net" includes fees and slippage. A ratio that
 * cannot be computed (no trades, no losses, no variation) is null.
 */
export interface BacktestMetrics {
  direction: Direction;
  fees: number;
  slippage: number;
  /** Time of the first and last row of the data window, and its length in the original's months. */
  start: number;
  end: number;
  months: number;

  trades: number;
  /** Trades with a net profit > 0. */
  profitable: number;
  /** 100 · profitable / trades (0 without trades). */
  winRate: number;
  grossProfit: number;
  /** Sum of the trades' gross percents (the original's `%profit`). */
  grossPercent: number;
  netProfit: number;
  netPercent: number;
  /** Net profit and percent per trade; expectancy is the mean net percent of a trade. */
  profitPerTrade: number;
  percentPerTrade: number;
  tradesPerMonth: number;
  profitPerMonth: number;
  percentPerMonth: number;

  /** Compounded all-in equity at the end (starting at 1) and its return in %. */
  finalEquity: number;
  totalReturn: number;
  /** Compound annual growth rate of that equity, %. */
  cagr: number | null;
  /** Largest fall of the equity from a peak, % of the peak, with the peak and trough times. */
  maxDrawdown: number;
  /** The same fall in units of the starting equity (0.12 = 12 % of the starting capital). */
  maxDrawdownAbs: number;
  drawdownStart: number | null;
  drawdownEnd: number | null;
  /** Annualised from daily equity returns (√365; one period per bar for bars longer than a day). */
  sharpe: number | null;
  sortino: number | null;
  /** CAGR / max drawdown. */
  calmar: number | null;
  /** Sum of winning net percents / |sum of losing net percents| (a fixed stake per trade). */
  profitFactor: number | null;
  /** Mean net percent of a trade. */
  expectancy: number;
  /** Freqtrade's (1 + average win / average loss) · win rate − 1. */
  expectancyRatio: number | null;
  /** % of the window's time spent in a position (closed trades and a position left open). */
  exposure: number;
  /** Mean trade durations in ms. */
  avgDuration: number | null;
  avgWinnerDuration: number | null;
  avgLoserDuration: number | null;
  /** Most trades in a row without a net profit, and with one. */
  longestLosingStreak: number;
  longestWinningStreak: number;
  /** Best and worst daily equity change in % (per bar for bars longer than a day), and the days up, flat and down. */
  bestDay: number | null;
  worstDay: number | null;
  daysWon: number;
  daysDrawn: number;
  daysLost: number;
  /** Net percents of the best and worst trade. */
  bestTrade: number | null;
  worstTrade: number | null;
  /** % change of the close from the first to the last priced row of the window. */
  buyAndHold: number;
  /** A position left open at the end, marked at the last close (not counted among the trades). */
  openPosition: (OpenPosition & { unrealisedPercent: number }) | null;
}

export interface SimulationInput {
  time: Float64Array;
  price: Float64Array;
}

export interface SimulationResult {
  metrics: BacktestMetrics;
  trades: Trade[];
}

/**
 * Metrics of the trades that a list of switches makes (see signalSwitches). The trades
 * themselves are listed unless `listTrades` is false (the grid search only needs figures).
 */
export function measureSwitches(
  input: SimulationInput,
  switches: Int32Array,
  direction: Direction,
  costs: TradeCosts,
  calendar: ReturnCalendar = returnCalendar(input.time),
  listTrades = true,
): SimulationResult {
  const { time, price } = input;
  const { trades, open } = listTrades ? tradesFromSwitches(switches, time, price, direction, costs) : { trades: [] as Trade[], open: openPositionOf(switches, time, price, direction) };
  const equity = scanEquity(price, switches, direction, costs, calendar);
  const n = time.length;
  const start = n ? time[0]! : NaN;
  const end = n ? time[n - 1]! : NaN;
  const span = n ? end - start : 0;
  const months = span / MONTH_MS;

  let count = 0;
  let profitable = 0;
  let grossProfit = 0;
  let grossPercent = 0;
  let netProfit = 0;
  let netPercent = 0;
  let winSum = 0;
  let lossSum = 0;
  let winDuration = 0;
  let lossDuration = 0;
  let inMarket = 0;
  let streak = 0;
  let longestStreak = 0;
  let winStreak = 0;
  let longestWinStreak = 0;
  let best = -Infinity;
  let worst = Infinity;
  // The same trades as tradesFromSwitches, without building them.
  for (let k = 0; k + 1 < switches.length; k++) {
    const side: Side = k % 2 === 0 ? 'long' : 'short';
    if (!sideCounts(side, direction)) continue;
    const entryIndex = switches[k]!;
    const exitIndex = switches[k + 1]!;
    const entryPrice = price[entryIndex]!;
    const exitPrice = price[exitIndex]!;
    const gross = side === 'long' ? exitPrice - entryPrice : entryPrice - exitPrice;
    const net = netProfitPerUnit(side, entryPrice, exitPrice, costs);
    const tradeNetPercent = (100 * net) / entryPrice;
    count++;
    grossProfit += gross;
    grossPercent += (100 * gross) / entryPrice;
    netProfit += net;
    netPercent += tradeNetPercent;
    const duration = time[exitIndex]! - time[entryIndex]!;
    inMarket += duration;
    if (net > 0) {
      profitable++;
      winSum += tradeNetPercent;
      winDuration += duration;
      streak = 0;
      winStreak++;
      if (winStreak > longestWinStreak) longestWinStreak = winStreak;
    } else {
      lossSum += tradeNetPercent;
      lossDuration += duration;
      winStreak = 0;
      streak++;
      if (streak > longestStreak) longestStreak = streak;
    }
    if (tradeNetPercent > best) best = tradeNetPercent;
    if (tradeNetPercent < worst) worst = tradeNetPercent;
  }
  const losers = count - profitable;

  let openPosition: BacktestMetrics['openPosition'] = null;
  if (open) {
    inMarket += end - open.entryTime;
    const last = lastPricedRow(price);
    const markPrice = last >= 0 ? price[last]! : open.entryPrice;
    openPosition = { ...open, unrealisedPercent: (100 * netProfitPerUnit(open.side, open.entryPrice, markPrice, costs)) / open.entryPrice };
  }

  const years = span / YEAR_MS;
  const cagr = years > 0 && equity.final > 0 ? 100 * (Math.pow(equity.final, 1 / years) - 1) : years > 0 ? -100 : null;
  const { sharpe, sortino } = riskRatios(equity.periodReturns, calendar.periodsPerYear);
  const avgWin = profitable ? winSum / profitable : 0;
  const avgLoss = losers ? -lossSum / losers : 0;
  const winFraction = count ? profitable / count : 0;
  const days = dayStats(equity.periodReturns);

  return {
    trades,
    metrics: {
      direction,
      fees: costs.fees,
      slippage: costs.slippage,
      start,
      end,
      months,
      trades: count,
      profitable,
      winRate: count ? 100 * winFraction : 0,
      grossProfit,
      grossPercent,
      netProfit,
      netPercent,
      profitPerTrade: count ? netProfit / count : 0,
      percentPerTrade: count ? netPercent / count : 0,
      tradesPerMonth: months > 0 ? count / months : 0,
      profitPerMonth: months > 0 ? netProfit / months : 0,
      percentPerMonth: months > 0 ? netPercent / months : 0,
      finalEquity: equity.final,
      totalReturn: 100 * (equity.final - 1),
      cagr,
      maxDrawdown: 100 * equity.maxDrawdown,
      maxDrawdownAbs: equity.maxDrawdownAbs,
      drawdownStart: equity.drawdownTroughIndex >= 0 ? time[equity.drawdownPeakIndex]! : null,
      drawdownEnd: equity.drawdownTroughIndex >= 0 ? time[equity.drawdownTroughIndex]! : null,
      sharpe,
      sortino,
      calmar: cagr !== null && equity.maxDrawdown > 0 ? cagr / (100 * equity.maxDrawdown) : null,
      profitFactor: lossSum < 0 ? winSum / -lossSum : null,
      expectancy: count ? netPercent / count : 0,
      expectancyRatio: count && avgLoss > 0 ? (1 + avgWin / avgLoss) * winFraction - 1 : null,
      exposure: span > 0 ? (100 * inMarket) / span : 0,
      avgDuration: count ? (winDuration + lossDuration) / count : null,
      avgWinnerDuration: profitable ? winDuration / profitable : null,
      avgLoserDuration: losers ? lossDuration / losers : null,
      longestLosingStreak: longestStreak,
      longestWinningStreak: longestWinStreak,
      ...days,
      bestTrade: count ? best : null,
      worstTrade: count ? worst : null,
      buyAndHold: buyAndHoldPercent(price),
      openPosition,
    },
  };
}

/** Sharpe and Sortino of period returns (risk-free rate 0), annualised by √periodsPerYear. */
export function riskRatios(returns: Float64Array, periodsPerYear: number): { sharpe: number | null; sortino: number | null } {
  const m = returns.length;
  if (m < 2) return { sharpe: null, sortino: null };
  let sum = 0;
  for (let j = 0; j < m; j++) sum += returns[j]!;
  const mean = sum / m;
  let squares = 0;
  let downside = 0;
  for (let j = 0; j < m; j++) {
    const r = returns[j]!;
    squares += (r - mean) * (r - mean);
    if (r < 0) downside += r * r;
  }
  const std = Math.sqrt(squares / (m - 1));
  const downDev = Math.sqrt(downside / m);
  const scale = Math.sqrt(periodsPerYear);
  return {
    sharpe: std > 1e-15 ? (mean / std) * scale : null,
    sortino: downDev > 1e-15 ? (mean / downDev) * scale : null,
  };
}

function dayStats(returns: Float64Array): Pick<BacktestMetrics, 'bestDay' | 'worstDay' | 'daysWon' | 'daysDrawn' | 'daysLost'> {
  let best = -Infinity;
  let worst = Infinity;
  let won = 0;
  let lost = 0;
  for (const r of returns) {
    if (r > best) best = r;
    if (r < worst) worst = r;
    if (r > 0) won++;
    else if (r < 0) lost++;
  }
  const m = returns.length;
  return { bestDay: m ? 100 * best : null, worstDay: m ? 100 * worst : null, daysWon: won, daysDrawn: m - won - lost, daysLost: lost };
}

function lastPricedRow(price: Float64Array): number {
  for (let i = price.length - 1; i >= 0; i--) if (price[i]! === price[i]! && price[i] !== 0) return i;
  return -1;
}

function buyAndHoldPercent(price: Float64Array): number {
  let first = -1;
  for (let i = 0; i < price.length; i++) {
    if (price[i]! === price[i]! && price[i] !== 0) {
      first = i;
      break;
    }
  }
  const last = lastPricedRow(price);
  if (first < 0 || last <= first) return 0;
  return (100 * (price[last]! - price[first]!)) / price[first]!;
}
