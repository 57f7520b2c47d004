import { InlineKeyboard } from 'grammy';
import type { BotContext } from '../bot/context.ts';
import { findSubscriber } from '../bot/subscriptions.ts';
import { servedSymbols } from '../bot/symbols.ts';
import { describeSymbols } from '../config/symbolNames.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const SUBSCRIBE_BUTTON = 'sub:start';

export const start: BotCommandDef = {
  name: 'start',
  role: 'user',
  summary: 'Welcome and subscribe',
  usage: '/start',
  help: 'Explains what this bot does and offers a button to subscribe to its signals.',
  async run(ctx: BotContext) {
    const { config } = ctx.itb;
    const subscribed = !!findSubscriber(ctx.itb.state, ctx.chat!.id);
    const symbols = servedSymbols(ctx.itb);
    const several = symbols.length > 1;
    const text = [
      `Hello! I post machine-learning trade signals for ${describeSymbols(symbols)} (${config.freq} candles).`,
      'Every bar my models give a score from −1 (sell) to +1 (buy); when the score enters a stronger band, or on a schedule, I send a short message, plus BUY/SELL signals, a daily diagram and trade results.',
      subscribed
        ? 'You are subscribed. /settings chooses what you receive.'
        : several
          ? 'Press Subscribe to receive every symbol’s here, or /subscribe SYMBOL for one; /help lists all commands.'
          : 'Press Subscribe to receive them here, or send /help for all commands.',
      ctx.isAdmin ? 'You are an admin of this bot: /help lists your admin commands too.' : '',
    ].filter(Boolean).join('\n\n');
    const keyboard = subscribed ? new InlineKeyboard().text('⚙ Settings', 'st:show') : new InlineKeyboard().text('🔔 Subscribe', SUBSCRIBE_BUTTON);
    await ctx.reply(text, { reply_markup: keyboard });
  },
};
