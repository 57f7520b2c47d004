import { UserError } from '../shared/errors.ts';
import type { BotContext } from '../bot/context.ts';
import { startJobWithProgress } from '../bot/progressMessage.ts';
import { requireService } from '../bot/reply.ts';
import type { BacktestRequest } from '../bot/services.ts';
import { withSymbolArg } from '../bot/symbols.ts';
import type { BotCommandDef } from '../bot/command.ts';

const USAGE = '/backtest [period] [name=value …]';

/** `30d buy_signal_threshold=0.02` → { period: '30d', params: { buy_signal_threshold: '0.02' } }. */
export function parseBacktestArgs(args: string[]): BacktestRequest {
  const req: BacktestRequest = { params: {} };
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq > 0) {
      const key = a.slice(0, eq);
      if (!/^[A-Za-z_][\w.]*$/.test(key)) throw new UserError(`"${key}" is not a parameter name; usage: ${USAGE}`);
      req.params[key] = a.slice(eq + 1);
    } else if (req.period === undefined && /^(\d+[hdwm]|\d{4}-\d{2}-\d{2}(\.\.(\d{4}-\d{2}-\d{2})?)?)$/.test(a)) {
      req.period = a;
    } else {
      throw new UserError(`"${a}" is neither a period (30d, 12w, 2025-01-01..2025-02-01) nor name=value; usage: ${USAGE}`);
    }
  }
  return req;
}

export const backtest: BotCommandDef = {
  name: 'backtest',
  role: 'admin',
  startsJob: true,
  summary: 'Backtest the signals',
  usage: USAGE,
  help: 'Runs the backtest over a period (e.g. 30d, 12w, 2025-01-01..2025-02-01; default: simulate_model’s range) with optional signal parameters such as buy_signal_threshold=0.02; replies with the report and a chart.',
  several: { usage: '/backtest SYMBOL [period] [name=value …]', help: 'A bot of several symbols needs the symbol first: /backtest eth 30d.' },
  async run(ctx: BotContext, allArgs) {
    const { symbol, services, args } = withSymbolArg(ctx.itb, allArgs, backtest);
    const request = parseBacktestArgs(args);
    const job = requireService(ctx, 'backtest', 'Backtesting', services);
    const title = `Backtest ${symbol}${request.period ? ` over ${request.period}` : ''}`;
    await startJobWithProgress(ctx, 'backtest', title, (progress, signal) => job(request, progress, signal));
  },
};
