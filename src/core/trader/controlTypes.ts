/** What the bot (or any other front end) can ask of the trader: /trade, /balance, /profit, /trades. */

export type TradingMode = 'off' | 'paper' | 'live';

export interface TraderStatus {
  mode: TradingMode;
  /** e.g. "SOLD", "BOUGHT", "BUYING" — the trader's own state name. */
  state?: string;
  openOrders: number;
  position?: string;
  notes?: string[];
  /** Set on one symbol's status when the account trades several (or a symbol was asked for). */
  symbol?: string;
  /** Several symbols: each one's status (the figures above are the account's: the highest mode, all open orders). */
  bySymbol?: TraderStatus[];
  /** Several symbols: the trades open on the account against `max_open_trades`. */
  openTrades?: { symbols: string[]; max: number };
}

export interface TradeRecord {
  time: number;
  side: 'BUY' | 'SELL';
  price: number;
  amount?: number;
  profit?: number;
  profitPercent?: number;
  mode?: TradingMode;
  /** Not a trade: a difference with the account taken over at reconciliation. */
  adjustment?: boolean;
  /** Set when the account trades several symbols. */
  symbol?: string;
}

export interface ProfitSummary {
  trades: number;
  wins: number;
  losses: number;
  profitQuote: number;
  profitPercent: number;
  quoteAsset?: string;
  maxDrawdownPercent?: number;
  firstTradeTime?: number;
  lastTradeTime?: number;
  /** Set on one symbol's figures when the account trades several (or a symbol was asked for). */
  symbol?: string;
  /** Several symbols: each one's figures (the summary itself is their total). */
  bySymbol?: ProfitSummary[];
}

/**
 * The trading of the process. `symbol` arguments name one of `symbols` (BTCUSDT, or its base
 * asset: BTC); without one, a call covers every symbol of the account.
 */
export interface TraderControl {
  /** The symbols traded on the account (absent: one). */
  symbols?: string[];
  status(symbol?: string): Promise<TraderStatus>;
  /** Switches mode; resolves to a sentence describing the new state. */
  setMode(mode: TradingMode, symbol?: string): Promise<string>;
  balance(): Promise<Record<string, { free: number; locked?: number }>>;
  profit(symbol?: string): Promise<ProfitSummary>;
  trades(limit: number, symbol?: string): Promise<TradeRecord[]>;
  /** Cancels every open order; resolves to how many were cancelled. */
  cancelAll(symbol?: string): Promise<number>;
}
