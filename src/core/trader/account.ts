import { describeError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { DAY } from '../time.ts';
import { realisedOnDay, type Execution } from './tradeStats.ts';

/** What the account needs to know of one symbol's trader. */
export interface AccountMember {
  readonly symbol: string;
  /** The book this trader keeps for the paper wallet or the live account. */
  bookOf(kind: 'paper' | 'live'): { status: string; ledger: readonly Execution[] };
}

/** The account's own keys (the same in every config that trades on it). */
export interface AccountLimits {
  /** Trades open at once across the symbols; 0 = one per symbol of the account. */
  max_open_trades: number;
  /** Realised loss of a UTC day, summed over the symbols, that stops new buys on all of them (0 = none). */
  total_daily_loss_limit_quote: number;
}

export interface TradingAccountOptions {
  limits: AccountLimits;
  /** The shared quote asset, named in messages. */
  quote: string;
  tellAdmins?: (text: string) => void | Promise<void>;
  log?: Logger;
}

/**
 * One trading account (the paper wallet, or the exchange account of the keys) shared by the
 * traders of several symbols. Its quote asset is shared: a buy on one symbol takes its share of
 * the free quote, `free ÷ (max_open_trades − trades open on the other symbols)` (Freqtrade's
 * `stake_amount: "unlimited"`), so buys on the same bar never count the same quote twice; each
 * symbol's base asset is its trader's alone. Buy decisions run one at a time (`exclusive`), each
 * sized from what the previous one left. A symbol alone on its account takes the whole free quote,
 * as a single trader always did.
 */
export class TradingAccount {
  private readonly members: AccountMember[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  /** The UTC day whose total loss stop the admins were told of, per account kind. */
  private readonly toldDay = { paper: NaN, live: NaN };

  constructor(private readonly opts: TradingAccountOptions) {}

  join(member: AccountMember): void {
    if (this.members.some((m) => m.symbol === member.symbol)) throw new Error(`${member.symbol} joined the account twice`);
    this.members.push(member);
  }

  get symbols(): string[] {
    return this.members.map((m) => m.symbol);
  }

  get quote(): string {
    return this.opts.quote;
  }

  /** The limit in force: `max_open_trades`, or one trade per symbol when it is 0. */
  get maxOpenTrades(): number {
    return this.opts.limits.max_open_trades || this.members.length;
  }

  get totalDailyLossLimit(): number {
    return this.opts.limits.total_daily_loss_limit_quote;
  }

  /** Symbols with a trade open on this account: a position, or an order under way. */
  openTrades(kind: 'paper' | 'live'): string[] {
    return this.members.filter((m) => m.bookOf(kind).status !== 'SOLD').map((m) => m.symbol);
  }

  /** Realised profit of the UTC day of `now`, summed over the symbols. */
  realisedToday(kind: 'paper' | 'live', now: number): number {
    let sum = 0;
    for (const m of this.members) sum += realisedOnDay(m.bookOf(kind).ledger, now);
    return sum;
  }

  /**
   * Why `symbol` may not open a trade now (max_open_trades, the total daily loss limit), or
   * undefined. The admins hear of the total loss stop once per UTC day.
   */
  async buyBlocked(kind: 'paper' | 'live', symbol: string, now: number): Promise<string | undefined> {
    const lossStop = await this.totalLossStop(kind, now);
    if (lossStop) return lossStop;
    const others = this.openTrades(kind).filter((s) => s !== symbol);
    if (others.length >= this.maxOpenTrades) {
      return `max_open_trades ${this.maxOpenTrades} reached (${others.join(', ')} ${others.length === 1 ? 'holds' : 'hold'} a trade)`;
    }
    return undefined;
  }

  /** Into how many equal shares the free quote is cut for a buy on `symbol`: one per trade still allowed. */
  shares(kind: 'paper' | 'live', symbol: string): number {
    const others = this.openTrades(kind).filter((s) => s !== symbol).length;
    return Math.max(1, this.maxOpenTrades - others);
  }

  /**
   * The stop for the rest of the UTC day once the realised loss of all symbols together reaches
   * `total_daily_loss_limit_quote`, or undefined; tells the admins the first time in a day.
   */
  async totalLossStop(kind: 'paper' | 'live', now: number): Promise<string | undefined> {
    const reason = this.lossStopReason(kind, now);
    if (!reason) return undefined;
    const day = Math.floor(now / DAY) * DAY;
    if (this.toldDay[kind] !== day) {
      this.toldDay[kind] = day;
      await this.tell(`⚠️ ${kind}: ${reason}: no new buys on any symbol until 00:00 UTC; positions are kept and sold on their signals.`);
    }
    return reason;
  }

  /** Why no symbol may buy for the rest of the UTC day of `now` (the total daily loss limit), or undefined. */
  lossStopReason(kind: 'paper' | 'live', now: number): string | undefined {
    const limit = this.totalDailyLossLimit;
    if (!(limit > 0)) return undefined;
    const today = this.realisedToday(kind, now);
    if (today > -limit) return undefined;
    return `the realised loss of ${this.symbols.join(', ')} today, ${(-today).toFixed(2)} ${this.quote}, reached trader.total_daily_loss_limit_quote ${limit}`;
  }

  /** Runs `fn` while no other symbol's buy decision runs (sizing reads the free quote the others leave). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async tell(text: string): Promise<void> {
    if (!this.opts.tellAdmins) return void this.opts.log?.warn(text);
    try {
      await this.opts.tellAdmins(text);
    } catch (e) {
      this.opts.log?.error(`could not tell the admins "${text}": ${describeError(e)}`);
    }
  }
}
