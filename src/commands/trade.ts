import { UserError } from '../shared/errors.ts';
import type { BotContext, BotRuntime } from '../bot/context.ts';
import { requireService } from '../bot/reply.ts';
import { withSymbolArg } from '../bot/symbols.ts';
import type { Config } from '../config/schema.ts';
import type { BotCommandDef } from '../bot/command.ts';

const USAGE = '/trade on|off|paper|live|status';

/** Live trading needs the exchange key and secret (config or EXCHANGE_API_KEY/SECRET). */
export function hasLiveKeys(runtime: BotRuntime): boolean {
  return !!(runtime.config.exchange.api_key && runtime.config.exchange.api_secret);
}

export const trade: BotCommandDef = {
  name: 'trade',
  role: 'admin',
  summary: 'Trading: on, off, paper, live, status',
  usage: USAGE,
  help: '"on" or "paper" trades with the simulated wallet; "live" places real orders (needs exchange keys and your confirmation); "off" stops trading (asks first when orders are open); "status" shows the mode and open orders.',
  several: { usage: '/trade SYMBOL on|off|paper|live|status', help: 'A bot of several symbols: the trader of the symbol named first.' },
  async run(ctx: BotContext, allArgs) {
    const { services, config, args } = withSymbolArg(ctx.itb, allArgs, trade);
    const trader = requireService(ctx, 'trader', 'Trading', services);
    const what = (args[0] ?? 'status').toLowerCase();
    switch (what) {
      case 'status': {
        const s = await trader.status();
        const lines = [`Trading: ${s.mode}${s.state ? ` (${s.state})` : ''}`, `Open orders: ${s.openOrders}`];
        if (s.position) lines.push(`Position: ${s.position}`);
        for (const n of s.notes ?? []) lines.push(n);
        await ctx.reply(lines.join('\n'));
        return;
      }
      case 'on':
      case 'paper':
        await ctx.reply(await trader.setMode('paper'));
        return;
      case 'off': {
        const s = await trader.status();
        if (s.openOrders > 0) {
          await ctx.itb.confirmations.ask(ctx, {
            question: `Cancel ${s.openOrders} open order${s.openOrders > 1 ? 's' : ''} and stop trading?`,
            command: '/trade off',
            action: async () => {
              const n = await trader.cancelAll();
              const said = await trader.setMode('off');
              return `Cancelled ${n} order${n === 1 ? '' : 's'}. ${said}`;
            },
          });
          return;
        }
        await ctx.reply(await trader.setMode('off'));
        return;
      }
      case 'live':
        if (!hasLiveKeys(ctx.itb)) {
          throw new UserError('Live trading needs exchange keys: set EXCHANGE_API_KEY and EXCHANGE_API_SECRET (or exchange.api_key and exchange.api_secret) and restart.');
        }
        if (ctx.itb.confirmations.waiting(ctx.from?.id, '/trade live')) {
          await ctx.reply('A live-trading question is already waiting for your answer above.');
          return;
        }
        await ctx.itb.confirmations.ask(ctx, {
          question: liveQuestion(ctx.itb, config),
          command: '/trade live',
          yesLabel: '✅ Go live',
          noLabel: '✖ Cancel',
          action: () => trader.setMode('live'),
        });
        return;
      default:
        throw new UserError(`"${args[0]}" is not a trading mode; usage: ${USAGE}`);
    }
  },
};

/** What the admin confirms before real orders are placed. */
function liveQuestion(runtime: BotRuntime, symbolConfig: Config = runtime.config): string {
  const { exchange, symbol, trader } = symbolConfig;
  return `⚠ Switch to LIVE trading: real orders on ${exchange.id} for ${symbol}, using ${trader.percentage_used_for_trade}% of the free balance per trade?`;
}
