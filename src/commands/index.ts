import { Composer } from 'grammy';
import { commandHandler, type BotCommandDef, type BotCommands } from '../bot/command.ts';
import type { BotContext } from '../bot/context.ts';
import { start } from './start.ts';
import { help } from './help.ts';
import { score } from './score.ts';
import { subscribe } from './subscribe.ts';
import { unsubscribe } from './unsubscribe.ts';
import { settings, settingsButtons } from './settings.ts';
import { chart } from './chart.ts';
import { status } from './status.ts';
import { download } from './download.ts';
import { train } from './train.ts';
import { backtest } from './backtest.ts';
import { cancel } from './cancel.ts';
import { trade } from './trade.ts';
import { balance } from './balance.ts';
import { profit } from './profit.ts';
import { trades } from './trades.ts';
import { config } from './config.ts';
import { reload } from './reload.ts';
import { users } from './users.ts';
import { logs } from './logs.ts';

/** Every command, in the order /help and the command menu show them. */
export const ALL_COMMANDS: readonly BotCommandDef[] = [
  start, help, score, subscribe, unsubscribe, settings, chart, status,
  download, train, backtest, cancel, trade, balance, profit, trades, config, reload, users, logs,
];

/** What the bot installs: every command through the bot's one command handler, and the /settings and /start buttons. */
export function botCommands(list: readonly BotCommandDef[] = ALL_COMMANDS): BotCommands {
  const middleware = new Composer<BotContext>();
  middleware.use(settingsButtons());
  for (const cmd of list) middleware.command(cmd.name, commandHandler(cmd));
  return { list, middleware };
}
