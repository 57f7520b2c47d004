import type { Trader } from '../../../core/trader/trader.ts';
import type { Logger } from '../../../shared/log.ts';
import type { BarOutput, ChannelPublisher, OutputBar } from '../ports.ts';

export interface TraderOutputConfig {
  buyColumn: string;
  sellColumn: string;
  /** The score shown with trades (the first score column of the notifications), if any. */
  scoreColumn?: string;
}

/** Reads the signal columns of a trader_* entry (defaults: the original's column names). */
export function parseTraderOutputConfig(raw: Record<string, unknown>): TraderOutputConfig {
  const str = (v: unknown, d: string) => (typeof v === 'string' && v ? v : d);
  return { buyColumn: str(raw.buy_signal_column, 'buy_signal_column'), sellColumn: str(raw.sell_signal_column, 'sell_signal_column') };
}

/**
 * `trader_simulation` / `trader_binance`: hands each bar's buy/sell signals to the trader
 * (paper or live by its mode) and posts what it reports in the original's format (§7.5).
 */
export class TraderOutput implements BarOutput {
  constructor(
    readonly name: string,
    private readonly cfg: TraderOutputConfig,
    private readonly trader: Trader,
    private readonly publisher: ChannelPublisher,
    private readonly log: Logger,
  ) {}

  async run(bar: OutputBar): Promise<void> {
    const v = bar.scored.values;
    const { candle } = bar;
    const tick = await this.trader.onBar({
      time: candle.time,
      open: candle.open,
      high: candle.high,
      low: candle.low,
      close: candle.close,
      volume: candle.volume,
      buy: (v[this.cfg.buyColumn] ?? 0) > 0,
      sell: (v[this.cfg.sellColumn] ?? 0) > 0,
      score: this.cfg.scoreColumn ? v[this.cfg.scoreColumn] : undefined,
      fresh: bar.fresh,
    });
    for (const note of tick.notes) this.log.info(`trader: ${note}`);
    for (const [k, text] of tick.messages.entries()) await this.publisher.publish(text, { key: `trade:${candle.time}:${k}` });
  }
}
