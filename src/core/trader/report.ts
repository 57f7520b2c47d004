import { formatTime } from '../time.ts';
import type { Balances } from './broker.ts';
import type { Execution, TradeStats } from './tradeStats.ts';

export interface TraderReportInput {
  symbol: string;
  mode: string;
  status: string;
  quote: string;
  base: string;
  balances?: Balances;
  /** Why balances are missing (e.g. the exchange could not be reached). */
  balancesError?: string;
  stats: TradeStats;
  /** Newest first. */
  recent: Execution[];
}

const money = (x: number, digits = 2) =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–';
const signed = (x: number, digits = 2) => (x > 0 ? '+' : '') + money(x, digits);
const pct = (x: number) => (Number.isFinite(x) ? `${signed(x)}%` : '–');

function balanceLine(r: Pick<TraderReportInput, 'balances' | 'balancesError' | 'quote'> & { bases: string[] }): string {
  if (!r.balances) return `Balance: unavailable${r.balancesError ? ` (${r.balancesError})` : ''}`;
  const assets = Object.entries(r.balances).filter(([a, b]) => a === r.quote || r.bases.includes(a) || b.free + b.locked > 0);
  const parts = assets.map(([a, b]) => `${a} ${money(b.free, a === r.quote ? 2 : 8)}${b.locked > 0 ? ` (+${money(b.locked, a === r.quote ? 2 : 8)} in orders)` : ''}`);
  return `Balance: ${parts.join(' · ') || 'empty'}`;
}

/** The plain-text report of `itb trades`: balance, profit figures, profit per day, recent trades. */
export function formatTraderReport(r: TraderReportInput & { withoutBalance?: boolean }): string {
  const s = r.stats;
  const lines = [`Trader ${r.symbol}: mode ${r.mode}, state ${r.status}`];
  if (!r.withoutBalance) lines.push(balanceLine({ ...r, bases: [r.base] }));
  lines.push(
    `Profit: realised ${signed(s.realised)} ${r.quote} (${pct(s.realisedPercent)}) over ${s.trades} trade${s.trades === 1 ? '' : 's'} · unrealised ${signed(s.unrealised)} ${r.quote}${s.position > 0 ? ` on ${money(s.position, 8)} ${r.base}` : ''}`,
  );
  if (s.trades) {
    const pf = s.profitFactor === Infinity ? '∞' : money(s.profitFactor);
    lines.push(`Win rate ${money(s.winRate, 1)}% (${s.wins}/${s.trades}) · profit factor ${pf} · max drawdown ${money(s.maxDrawdown)} ${r.quote} (${money(s.maxDrawdownPercent)}%)`);
    lines.push('Per day:');
    for (const d of s.perDay.slice(-14)) lines.push(`  ${formatTime(d.day).slice(0, 10)}  ${signed(d.profit).padStart(10)} ${r.quote}  ${d.trades} trade${d.trades === 1 ? '' : 's'}`);
  }
  if (r.recent.length) {
    lines.push('Recent trades:');
    for (const e of r.recent) {
      const profit = e.profit === undefined ? '' : `  ${signed(e.profit)} ${r.quote} (${pct(e.profitPercent ?? NaN)})`;
      lines.push(`  ${formatTime(e.time).slice(0, 16)}  ${e.side === 'buy' ? 'BUY ' : 'SELL'}  ${money(e.quantity, 8)} @ ${money(e.price)}${profit}${e.adjustment ? '  (adjustment: taken over from the account)' : ''}`);
    }
  } else lines.push('No trades yet.');
  return lines.join('\n');
}

export interface AccountReportInput {
  /** The account's kind as its symbols trade it (paper, live). */
  mode: string;
  quote: string;
  maxOpenTrades: number;
  openTrades: string[];
  balances?: Balances;
  balancesError?: string;
  /** The symbols' figures together (accountStats). */
  total: TradeStats;
  symbols: TraderReportInput[];
}

/**
 * `itb trades` of several symbols on one account: the shared balance once, the total profit,
 * then each symbol's report without a balance of its own.
 */
export function formatAccountReport(r: AccountReportInput): string {
  const t = r.total;
  const lines = [
    `Account (${r.mode}): ${r.symbols.map((s) => s.symbol).join(', ')} · open trades ${r.openTrades.length} of max_open_trades ${r.maxOpenTrades}${r.openTrades.length ? ` (${r.openTrades.join(', ')})` : ''}`,
    balanceLine({ ...r, bases: r.symbols.map((s) => s.base) }),
    `Total: realised ${signed(t.realised)} ${r.quote} (${pct(t.realisedPercent)}) over ${t.trades} trade${t.trades === 1 ? '' : 's'} · unrealised ${signed(t.unrealised)} ${r.quote}`,
  ];
  for (const s of r.symbols) lines.push('', formatTraderReport({ ...s, withoutBalance: true }));
  return lines.join('\n');
}
