/** What the bot (or any other front end) can ask of the trader: /trade, /balance, /profit, /trades. */

export type TradingMode = 'off' | 'paper' | 'live';

export interface TraderStatus {
  mode: TradingMode;
  /** e.g. "SOLD", "BOUGHT", "BUYING" — the trader's own state name. */
  state?: string;
  openOrders: number;
  position?: string;
  notes?: string[];
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
}

export interface TraderControl {
  status(): Promise<TraderStatus>;
  /** Switches mode; resolves to a sentence describing the new state. */
  setMode(mode: TradingMode): Promise<string>;
  balance(): Promise<Record<string, { free: number; locked?: number }>>;
  profit(): Promise<ProfitSummary>;
  trades(limit: number): Promise<TradeRecord[]>;
  /** Cancels every open order; resolves to how many were cancelled. */
  cancelAll(): Promise<number>;
}
