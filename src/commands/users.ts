import type { BotContext } from '../bot/context.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const users: BotCommandDef = {
  name: 'users',
  role: 'admin',
  summary: 'Subscriber counts',
  usage: '/users',
  help: 'Counts subscribers by what they receive, admins, and chats removed because they blocked the bot.',
  async run(ctx: BotContext) {
    const { state, config } = ctx.itb;
    const subs = Object.values(state.data.subscribers);
    const count = (pred: (s: (typeof subs)[number]) => boolean) => subs.filter(pred).length;
    const byBand = new Map<number, number>();
    for (const s of subs) byBand.set(s.minBand, (byBand.get(s.minBand) ?? 0) + 1);
    const bands = [...byBand.entries()].sort((a, b) => a[0] - b[0]).map(([b, n]) => `${b === 0 ? 'all' : `≥${b}`}: ${n}`).join(', ');
    const lines = [
      `Subscribers: ${subs.length}${bands ? ` (bands ${bands})` : ''}`,
      `Receiving scores: ${count((s) => s.scores)}, signals: ${count((s) => s.signals)}, diagram: ${count((s) => s.diagram)}, trades: ${count((s) => s.trades)}`,
      `With quiet hours: ${count((s) => s.quietHours !== null)}`,
      `Admins: ${ctx.itb.adminIds().length}`,
      `Removed after blocking the bot: ${state.data.blockedRemoved}`,
      `Channel: ${config.telegram.channel !== '' ? 'set' : 'none'}`,
    ];
    await ctx.reply(lines.join('\n'));
  },
};
