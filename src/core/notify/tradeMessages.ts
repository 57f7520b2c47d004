import { pyFixed } from './pyFormat.ts';

/** A transaction of the original's trade simulator: BUY closes a short leg, SELL a long leg. */
export interface TransactionEvent {
  status: 'BUY' | 'SELL';
  /** Profit of the leg it closes, in quote currency. */
  profit: number;
  /** That profit relative to the previous transaction's price, in percent. */
  profitPercent: number;
}

/** `⚡💰 *SOLD:  Profit: 1.23% 45.6789₮*` (two spaces after the colon, as in the original). */
export function formatTransactionMessage(t: TransactionEvent): string {
  const head = t.status === 'SELL' ? '⚡💰 *SOLD: ' : '⚡💰 *BOUGHT: ';
  return `${head} Profit: ${pyFixed(t.profitPercent, 2)}% ${pyFixed(t.profit, 4)}₮*`;
}

/** pandas `describe()` figures of a list of profit percents (std with ddof 1, median interpolated). */
export interface ProfitStats {
  count: number;
  mean: number;
  std: number;
  min: number;
  median: number;
  max: number;
}

export function describeProfits(values: readonly number[]): ProfitStats {
  const n = values.length;
  if (!n) return { count: 0, mean: NaN, std: NaN, min: NaN, median: NaN, max: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (n - 1) / 2;
  const lo = Math.floor(pos);
  const median = sorted[lo]! + (sorted[Math.ceil(pos)]! - sorted[lo]!) * (pos - lo);
  return { count: n, mean, std, min: sorted[0]!, median, max: sorted[n - 1]! };
}

/**
 * The original's stats message after a transaction: long legs (SELL) or short legs (BUY) of
 * the last 4 weeks, three lines each ending with a newline.
 */
export function formatTransactionStats(status: 'BUY' | 'SELL', s: ProfitStats): string {
  const head = status === 'SELL' ? '↗ *LONG transactions stats (4 weeks)*\n' : '↘ *SHORT transactions stats (4 weeks)*\n';
  return (
    head +
    `🔸sum=${pyFixed(s.count * s.mean, 2)}% 🔸count=${s.count}\n` +
    `🔸mean=${pyFixed(s.mean, 4)}% 🔸std=${pyFixed(s.std, 4)}%\n` +
    `🔸min=${pyFixed(s.min, 4)}% 🔸median=${pyFixed(s.median, 4)}% 🔸max=${pyFixed(s.max, 4)}%\n`
  );
}

/** One executed order of the running trader, as its channel post reports it. */
export interface FillEvent {
  side: 'buy' | 'sell';
  /** The trader that executed it: the paper wallet or the exchange. */
  mode: 'paper' | 'live';
  base: string;
  quote: string;
  /** Base quantity executed (before a fee taken in the base asset). */
  quantity: number;
  /** Average fill price. */
  price: number;
  /** Quote amount executed, before fees. */
  cost: number;
  /** Fees in quote (a base-asset fee counted at the fill price). */
  fee: number;
  /** The part of the fee taken in the base asset, in base units. */
  feeBase?: number;
  /** What the order asked for, when it filled only partly. */
  ordered?: number;
  /** Sells: profit of the quantity sold against its entry, net of both sides' fees, in quote. */
  profit?: number;
  profitPercent?: number;
}

/** An amount with at most 8 decimals and no trailing zeros (`0.0098901`). */
export function formatAmount(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const s = x.toFixed(8).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

const quoteMoney = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signedMoney = (x: number) => (x >= 0 ? '+' : '−') + quoteMoney(Math.abs(x));

/**
 * The channel post of a fill, with the trader's own amounts:
 * `⚡💰 *SOLD 0.00989 BTC at 101,101.00 USDT* · live` / `Got 999.89 USDT · fee 1.00 USDT` /
 * `Profit: +10.44 USDT (+1.06%)`.
 */
export function formatFillMessage(f: FillEvent): string {
  const buy = f.side === 'buy';
  const lines = [`⚡💰 *${buy ? 'BOUGHT' : 'SOLD'} ${formatAmount(f.quantity)} ${f.base} at ${quoteMoney(f.price)} ${f.quote}* · ${f.mode}`];
  const feeBase = f.feeBase ?? 0;
  // What was paid in quote (a fee taken in base counted at the fill price is not).
  const feeQuote = Math.max(0, f.fee - feeBase * f.price);
  const fees = [feeQuote > 1e-9 || !feeBase ? `${quoteMoney(feeQuote)} ${f.quote}` : '', feeBase ? `${formatAmount(feeBase)} ${f.base}` : ''].filter(Boolean);
  const received = buy && feeBase ? ` · received ${formatAmount(f.quantity - feeBase)} ${f.base}` : '';
  lines.push(`${buy ? 'Paid' : 'Got'} ${quoteMoney(buy ? f.cost + feeQuote : f.cost - feeQuote)} ${f.quote} · fee ${fees.join(' + ')}${received}`);
  if (f.ordered !== undefined) lines.push(`Partly filled: ${formatAmount(f.quantity)} of ${formatAmount(f.ordered)} ${f.base}, the rest cancelled`);
  if (f.profit !== undefined) lines.push(`Profit: ${signedMoney(f.profit)} ${f.quote} (${f.profitPercent! >= 0 ? '+' : '−'}${Math.abs(f.profitPercent ?? 0).toFixed(2)}%)`);
  return lines.join('\n');
}
