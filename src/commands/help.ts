import { UserError } from '../shared/errors.ts';
import type { BotContext } from '../bot/context.ts';
import { severalSymbols, usageOf } from '../bot/symbols.ts';
import type { BotCommandDef } from '../bot/command.ts';

export const help: BotCommandDef = {
  name: 'help',
  role: 'user',
  summary: 'List commands, or explain one',
  usage: '/help [command]',
  help: 'Lists the commands you may use; /help <command> explains one.',
  async run(ctx: BotContext, args) {
    const visible = ctx.itb.commands.filter((c) => c.role === 'user' || ctx.isAdmin);
    if (args[0]) {
      const name = args[0].replace(/^\//, '').toLowerCase();
      const cmd = visible.find((c) => c.name === name);
      if (!cmd) throw new UserError(`There is no command /${name} for you; send /help for the list.`);
      const several = severalSymbols(ctx.itb) && cmd.several;
      await ctx.reply(`${usageOf(ctx.itb, cmd)}\n${cmd.help}${several ? ` ${several.help}` : ''}${cmd.role === 'admin' ? '\n(admins only)' : ''}`);
      return;
    }
    const line = (c: (typeof visible)[number]) => `${usageOf(ctx.itb, c)} — ${c.summary}`;
    const user = visible.filter((c) => c.role === 'user').map(line);
    const admin = visible.filter((c) => c.role === 'admin').map(line);
    const text = ['Commands:', ...user, ...(admin.length ? ['', 'Admin commands:', ...admin] : []), '', 'Send /help <command> for details.'].join('\n');
    await ctx.reply(text);
  },
};
