import type { BotContext } from '../bot/context.ts';
import { unsubscribe as removeSubscriber } from '../bot/subscriptions.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const unsubscribe: BotCommandDef = {
  name: 'unsubscribe',
  role: 'user',
  summary: 'Stop receiving signals',
  usage: '/unsubscribe',
  help: 'Stops every broadcast to this chat. /subscribe starts them again.',
  async run(ctx: BotContext) {
    const removed = await removeSubscriber(ctx.itb.state, ctx.chat!.id);
    await ctx.reply(removed ? 'Unsubscribed: no more broadcasts here. /subscribe brings them back.' : 'You were not subscribed.');
  },
};
