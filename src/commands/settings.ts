import { InlineKeyboard, type MiddlewareFn } from 'grammy';
import { UserError } from '../shared/errors.ts';
import type { BotContext } from '../bot/context.ts';
import { ALL_SYMBOLS, describeSubscriber, findSubscriber, maxBand, subscribe, unsubscribe } from '../bot/subscriptions.ts';
import { severalSymbols } from '../bot/symbols.ts';
import type { Subscriber } from '../bot/state.ts';
import { SUBSCRIBE_BUTTON } from './start.ts';
import type { BotCommandDef } from '../bot/command.ts';

/** Quiet-hour presets the button cycles through (UTC). */
const QUIET_PRESETS: ([number, number] | null)[] = [null, [22, 7], [23, 8], [0, 6]];

const TOGGLES = { scores: 'Scores', signals: 'Signals', diagram: 'Diagram', trades: 'Trades' } as const;
type Toggle = keyof typeof TOGGLES;

function keyboardFor(sub: Subscriber, top: number): InlineKeyboard {
  const kb = new InlineKeyboard();
  const mark = (on: boolean) => (on ? '✅' : '❌');
  kb.text(`${mark(sub.scores)} Scores`, 'st:t:scores').text(`${mark(sub.signals)} Signals`, 'st:t:signals').row();
  kb.text(`${mark(sub.diagram)} Diagram`, 'st:t:diagram').text(`${mark(sub.trades)} Trades`, 'st:t:trades').row();
  for (let b = 0; b <= top; b++) kb.text(`${sub.minBand === b ? '● ' : ''}${b === 0 ? 'all bands' : `≥${b}`}`, `st:band:${b}`);
  kb.row();
  const q = sub.quietHours ? `${sub.quietHours[0]}–${sub.quietHours[1]} UTC` : 'off';
  kb.text(`🌙 Quiet hours: ${q}`, 'st:quiet').row();
  kb.text('🔕 Unsubscribe', 'st:unsub');
  return kb;
}

function view(ctx: BotContext, sub: Subscriber): { text: string; keyboard: InlineKeyboard } {
  return { text: `Your settings:\n${describeSubscriber(sub)}`, keyboard: keyboardFor(sub, maxBand(ctx.itb.config)) };
}

/** `22-7` → [22, 7]; `off` → null. */
export function parseQuietHours(raw: string): [number, number] | null {
  if (/^(off|none)$/i.test(raw)) return null;
  const m = /^(\d{1,2})(?::00)?-(\d{1,2})(?::00)?$/.exec(raw);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 23) throw new UserError(`"${raw}" is not a range of UTC hours such as 22-7; usage: /settings quiet 22-7 | off`);
  return [Number(m[1]), Number(m[2])];
}

export const settings: BotCommandDef = {
  name: 'settings',
  role: 'user',
  summary: 'Choose bands, signals and quiet hours',
  usage: '/settings [quiet 22-7|off]',
  help: 'Shows buttons to choose which score bands and which messages (signals, diagram, trades) you receive, and quiet hours (UTC) during which they arrive silently. "/settings quiet 22-7" sets any quiet range.',
  async run(ctx: BotContext, args) {
    let sub = findSubscriber(ctx.itb.state, ctx.chat!.id);
    if (!sub) {
      await ctx.reply('You are not subscribed yet.', { reply_markup: new InlineKeyboard().text('🔔 Subscribe', SUBSCRIBE_BUTTON) });
      return;
    }
    if (args[0]?.toLowerCase() === 'quiet') {
      if (!args[1]) throw new UserError('usage: /settings quiet 22-7 | off');
      sub.quietHours = parseQuietHours(args[1]);
      await ctx.itb.state.write();
      sub = findSubscriber(ctx.itb.state, ctx.chat!.id)!;
    } else if (args.length) {
      throw new UserError(`unknown setting "${args[0]}"; usage: ${settings.usage}`);
    }
    const v = view(ctx, sub);
    await ctx.reply(v.text, { reply_markup: v.keyboard });
  },
};

/** Presses of the /settings and /start buttons; each edits the settings message in place. */
export function settingsButtons(): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const data = ctx.callbackQuery?.data;
    if (!data || !(data.startsWith('st:') || data === SUBSCRIBE_BUTTON) || !ctx.chat) return next();
    const state = ctx.itb.state;
    if (data === SUBSCRIBE_BUTTON) {
      // A bot of several symbols: the button follows every symbol (/subscribe SYMBOL picks single ones).
      const sub = await subscribe(state, ctx, undefined, severalSymbols(ctx.itb) ? ALL_SYMBOLS : undefined);
      await ctx.answerCallbackQuery({ text: 'Subscribed' });
      const v = view(ctx, sub);
      await ctx.editMessageText(`Subscribed. ${v.text}`, { reply_markup: v.keyboard });
      return;
    }
    const sub = findSubscriber(state, ctx.chat.id);
    if (!sub) {
      await ctx.answerCallbackQuery({ text: 'You are not subscribed; send /subscribe first.' });
      return;
    }
    if (data === 'st:unsub') {
      await unsubscribe(state, ctx.chat.id);
      await ctx.answerCallbackQuery({ text: 'Unsubscribed' });
      await ctx.editMessageText('Unsubscribed: no more broadcasts here.', { reply_markup: new InlineKeyboard().text('🔔 Subscribe', SUBSCRIBE_BUTTON) });
      return;
    }
    const [, what, arg] = data.split(':');
    const before = JSON.stringify(sub);
    if (what === 't' && arg && arg in TOGGLES) sub[arg as Toggle] = !sub[arg as Toggle];
    else if (what === 'band' && arg !== undefined && Number(arg) >= 0 && Number(arg) <= maxBand(ctx.itb.config)) {
      sub.minBand = Number(arg);
      // The band of every symbol the chat follows (a bot of several symbols).
      for (const symbol of Object.keys(sub.symbols ?? {})) sub.symbols![symbol] = Number(arg);
    }
    else if (what === 'quiet') {
      const i = QUIET_PRESETS.findIndex((p) => JSON.stringify(p) === JSON.stringify(sub.quietHours));
      sub.quietHours = QUIET_PRESETS[(i + 1) % QUIET_PRESETS.length]!;
    } else if (what !== 'show') {
      await ctx.answerCallbackQuery({ text: 'This button is out of date; send /settings again.' });
      return;
    }
    await ctx.answerCallbackQuery();
    const v = view(ctx, sub);
    if (what === 'show') {
      await ctx.reply(v.text, { reply_markup: v.keyboard });
      return;
    }
    if (JSON.stringify(sub) === before) return;
    await state.write();
    await ctx.editMessageText(v.text, { reply_markup: v.keyboard });
  };
}
