import { UserError } from '../shared/errors.ts';
import type { BotContext, BotRuntime } from '../bot/context.ts';
import { requireService } from '../bot/reply.ts';
import type { BotCommandDef } from '../bot/command.ts';
import type { TraderControl, TraderStatus } from '../bot/services.ts';

const USAGE = '/trade on|off|paper|live|status';

/** Live trading needs the exchange key and secret (config or EXCHANGE_API_KEY/SECRET). */
export function hasLiveKeys(runtime: BotRuntime): boolean {
  return !!(runtime.config.exchange.api_key && runtime.config.exchange.api_secret);
}

/**
 * The symbol a trading command names, when the account trades several (`/trade off ETH`,
 * `/profit ETH`); with one symbol the commands take no symbol, as before.
 */
export function symbolArg(trader: TraderControl, arg: string | undefined): string | undefined {
  return trader.symbols && trader.symbols.length > 1 ? arg : undefined;
}

const ACTIONS = ['on', 'off', 'paper', 'live', 'status'];

/** /trade's action and symbol: `/trade status eth` or, symbol first as the other commands take it, `/trade eth status`. */
function actionAndSymbol(trader: TraderControl, args: readonly string[]): { what: string; typed: string; symbol: string | undefined } {
  const symbolFirst = args[0] !== undefined && !ACTIONS.includes(args[0].toLowerCase()) && symbolArg(trader, args[0]) !== undefined;
  const [action, named] = symbolFirst ? [args[1], args[0]] : [args[0], args[1]];
  return { what: (action ?? 'status').toLowerCase(), typed: action ?? '', symbol: symbolArg(trader, named) };
}

export const trade: BotCommandDef = {
  name: 'trade',
  role: 'admin',
  summary: 'Trading: on, off, paper, live, status',
  usage: USAGE,
  help: '"on" or "paper" trades with the simulated wallet; "live" places real orders (needs exchange keys and your confirmation); "off" stops trading (asks first when orders are open); "status" shows the mode and open orders. With several symbols each of these acts on all of them, or on one named before or after it (/trade eth off, /trade off ETH).',
  several: { usage: '/trade [SYMBOL] on|off|paper|live|status', help: 'A bot of several symbols trades them on one account: without a symbol, every one of them.' },
  async run(ctx: BotContext, args) {
    const trader = requireService(ctx, 'trader', 'Trading');
    const { what, typed, symbol } = actionAndSymbol(trader, args);
    const cmd = symbol === undefined ? `/trade ${what}` : `/trade ${what} ${symbol}`;
    switch (what) {
      case 'status': {
        await ctx.reply(formatStatus(await trader.status(symbol)));
        return;
      }
      case 'on':
      case 'paper':
        await ctx.reply(await trader.setMode('paper', symbol));
        return;
      case 'off': {
        const s = await trader.status(symbol);
        if (s.openOrders > 0) {
          await ctx.itb.confirmations.ask(ctx, {
            question: `Cancel ${s.openOrders} open order${s.openOrders > 1 ? 's' : ''}${symbol === undefined ? '' : ` of ${s.symbol ?? symbol}`} and stop trading?`,
            command: cmd,
            action: async () => {
              const n = await trader.cancelAll(symbol);
              const said = await trader.setMode('off', symbol);
              return `Cancelled ${n} order${n === 1 ? '' : 's'}. ${said}`;
            },
          });
          return;
        }
        await ctx.reply(await trader.setMode('off', symbol));
        return;
      }
      case 'live': {
        if (!hasLiveKeys(ctx.itb)) {
          throw new UserError('Live trading needs exchange keys: set EXCHANGE_API_KEY and EXCHANGE_API_SECRET (or exchange.api_key and exchange.api_secret) and restart.');
        }
        // A named symbol must be one traded here before anything is asked.
        const named = symbol === undefined ? undefined : (await trader.status(symbol)).symbol;
        if (ctx.itb.confirmations.waiting(ctx.from?.id, '/trade live')) {
          await ctx.reply('A live-trading question is already waiting for your answer above.');
          return;
        }
        await ctx.itb.confirmations.ask(ctx, {
          question: liveQuestion(ctx.itb, trader, named),
          command: '/trade live',
          yesLabel: '✅ Go live',
          noLabel: '✖ Cancel',
          action: () => trader.setMode('live', named),
        });
        return;
      }
      default:
        throw new UserError(`"${typed}" is not a trading mode; usage: ${USAGE}`);
    }
  },
};

/** One symbol's lines of /trade status (the whole answer for a single symbol). */
function symbolLines(s: TraderStatus): string[] {
  const lines = [`Trading${s.symbol ? ` ${s.symbol}` : ''}: ${s.mode}${s.state ? ` (${s.state})` : ''}`, `Open orders: ${s.openOrders}`];
  if (s.position) lines.push(`Position: ${s.position}`);
  for (const n of s.notes ?? []) lines.push(n);
  return lines;
}

/** /trade status: one symbol as before; several: each symbol, then the trades open on the shared account. */
function formatStatus(s: TraderStatus): string {
  if (!s.bySymbol) return symbolLines(s).join('\n');
  const lines: string[] = [];
  for (const one of s.bySymbol) {
    const extra = [one.openOrders ? `${one.openOrders} open order${one.openOrders > 1 ? 's' : ''}` : '', one.position ? `position ${one.position}` : ''].filter(Boolean);
    lines.push(`${one.symbol}: ${one.mode}${one.state ? ` (${one.state})` : ''}${extra.length ? `, ${extra.join(', ')}` : ''}`);
    for (const n of one.notes ?? []) lines.push(`  ${n}`);
  }
  if (s.openTrades) {
    const open = s.openTrades.symbols;
    lines.push(`Open trades: ${open.length} of max_open_trades ${s.openTrades.max}${open.length ? ` (${open.join(', ')})` : ''}`);
  }
  for (const n of s.notes ?? []) lines.push(n);
  return lines.join('\n');
}

/** What the admin confirms before real orders are placed. */
function liveQuestion(runtime: BotRuntime, trader: TraderControl, symbol: string | undefined): string {
  const { exchange, trader: s } = runtime.config;
  const several = trader.symbols && trader.symbols.length > 1 ? trader.symbols : undefined;
  if (!several) return `⚠ Switch to LIVE trading: real orders on ${exchange.id} for ${runtime.config.symbol}, using ${s.percentage_used_for_trade}% of the free balance per trade?`;
  return `⚠ Switch to LIVE trading: real orders on ${exchange.id} for ${symbol ?? several.join(', ')}, each buy using ${s.percentage_used_for_trade}% of its share of the free balance ${several.join(', ')} share?`;
}
