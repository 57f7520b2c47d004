import type { BotContext } from '../bot/context.ts';
import { formatAmount } from '../core/notify/tradeMessages.ts';
import { requireService } from '../bot/reply.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const balance: BotCommandDef = {
  name: 'balance',
  role: 'admin',
  summary: 'Balances of the trading account',
  usage: '/balance',
  help: 'Shows the free and locked balance of each asset of the trading wallet (paper or live), once for all symbols: they share it.',
  async run(ctx: BotContext) {
    const trader = requireService(ctx, 'trader', 'Trading');
    const [b, s] = await Promise.all([trader.balance(), trader.status()]);
    const rows = Object.entries(b).filter(([, v]) => v.free || v.locked);
    // 8 decimals as the exchange keeps them, without float noise (0.0098901, not 0.009890100000000001).
    const lines = rows.map(([asset, v]) => `${asset}: ${formatAmount(v.free)}${v.locked ? ` (+${formatAmount(v.locked)} in orders)` : ''}`);
    const shared = trader.symbols && trader.symbols.length > 1 ? `, shared by ${trader.symbols.join(', ')}` : '';
    await ctx.reply([`Balance (${s.mode}${shared}):`, ...(lines.length ? lines : ['nothing'])].join('\n'));
  },
};
