import { InlineKeyboard } from 'grammy';
import type { Context } from 'grammy';
import type { Conversation } from '@grammyjs/conversations';
import { UserError } from '../shared/errors.ts';
import type { BotContext, BotRuntime } from '../bot/context.ts';
import { requireService } from '../bot/reply.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const LIVE_CONVERSATION = 'tradeLive';
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
  async run(ctx: BotContext, args) {
    const trader = requireService(ctx, 'trader', 'Trading');
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
        if (ctx.conversation.active(LIVE_CONVERSATION) > 0) {
          await ctx.reply('A live-trading question is already waiting for your answer above.');
          return;
        }
        await ctx.conversation.enter(LIVE_CONVERSATION);
        return;
      default:
        throw new UserError(`"${args[0]}" is not a trading mode; usage: ${USAGE}`);
    }
  },
};

/**
 * The confirmation conversation in front of live trading: the admin must press "Go live"
 * within the confirmation time; anything else typed meanwhile is handled as usual.
 */
export function liveTradingConversation(runtime: BotRuntime, ttlMs: number) {
  return async (conversation: Conversation<BotContext, Context>, ctx: Context): Promise<void> => {
    const userId = ctx.from!.id;
    const { exchange } = runtime.config;
    const question = `⚠ Switch to LIVE trading: real orders on ${exchange.id} for ${runtime.config.symbol}, using ${runtime.config.trader.percentage_used_for_trade}% of the free balance per trade?`;
    const keyboard = new InlineKeyboard().text('✅ Go live', 'live:y').text('✖ Cancel', 'live:n');
    const asked = await ctx.reply(`${question}\n(Press within ${Math.round(ttlMs / 1000)} s.)`, { reply_markup: keyboard });
    await conversation.external(() => runtime.audit(ctx, '/trade live', 'asked'));
    const answer = await conversation.waitForCallbackQuery(['live:y', 'live:n'], { maxMilliseconds: ttlMs, next: true });
    if (answer.from.id !== userId) {
      await answer.answerCallbackQuery({ text: 'Only the admin who asked can answer this.' });
      await conversation.external(() => runtime.audit(answer, '/trade live', 'refused', 'pressed another admin’s confirmation'));
      return;
    }
    await answer.answerCallbackQuery();
    if (answer.callbackQuery.data === 'live:n') {
      await answer.api.editMessageText(asked.chat.id, asked.message_id, `✖ Cancelled: ${question}`);
      await conversation.external(() => runtime.audit(answer, '/trade live', 'cancelled'));
      return;
    }
    const outcome = await conversation.external(async () => {
      try {
        return { ok: true, text: await runtime.services.trader!.setMode('live') };
      } catch (e) {
        return { ok: false, text: e instanceof Error ? e.message : String(e) };
      }
    });
    await answer.api.editMessageText(asked.chat.id, asked.message_id, outcome.ok ? `✅ ${outcome.text}` : `❌ Could not switch to live trading: ${outcome.text}`);
    await conversation.external(() => runtime.audit(answer, '/trade live', outcome.ok ? 'confirmed' : 'failed', outcome.text.slice(0, 200)));
  };
}
