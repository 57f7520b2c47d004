import { writeFileAtomic } from '../storage/atomic.ts';
import { UserError } from '../shared/errors.ts';
import { formatTime } from '../core/time.ts';
import { returnCalendar } from '../core/backtest/calendar.ts';
import { scanEquity } from '../core/backtest/equity.ts';
import { expandGrid, gridSize, parseGrid } from '../core/backtest/grid.ts';
import { evaluateRules } from '../core/backtest/gridSearch.ts';
import { measureSwitches } from '../core/backtest/metrics.ts';
import { originalPerformance } from '../core/backtest/originalKeys.ts';
import { rankBy, sortValue } from '../core/backtest/ranking.ts';
import { gridTableLines, reportLines } from '../core/backtest/report.ts';
import { findScoreRule, thresholdsFor } from '../core/backtest/scoreRule.ts';
import type { RankedModel } from '../core/backtest/ranking.ts';
import { appendSignalModels } from '../storage/signalModelsFile.ts';
import { thresholdSwitches } from '../core/backtest/thresholdSwitches.ts';
import { metricsForJson } from '../core/backtest/walkForwardFile.ts';
import { chartOfSimulation, describeRule, loadSignalFrame, scoreData, simulateWindow } from './backtest.ts';
import { runWalkForward, signalModelsPath } from './walkForward.ts';
import type { JobContext } from './context.ts';

/**
 * `itb simulate`: the original's grid search over the thresholds of the configured signal
 * rule. Appends the best models to <signal_models_file_name>.txt (the original's layout),
 * writes all their metrics to <signal_models_file_name>.json and a chart of the best one
 * to <signal_models_file_name>.png. With simulate_model.walk_forward it also runs the
 * walk-forward (see walkForward.ts): the out-of-sample figures, and the thresholds in force.
 */
export async function run(ctx: JobContext): Promise<number> {
  const { config } = ctx;
  const sim = config.simulate_model;
  sortValue(sim.sort_by); // a bad sort key fails before the work starts
  const rule = findScoreRule(config.signal_sets, sim.signal_generator);
  const grid = parseGrid(sim.grid, sim.buy_sell_equal);
  // the grid, the chart and the walk-forward run read the close and the rule's scores
  const frame = simulateWindow(await loadSignalFrame(config, ['close', ...rule.scores]), config);
  if (frame.length < 2) throw new UserError('simulate_model.data_start/data_end leave fewer than two rows of signals');
  const combos = expandGrid(grid);
  const rules = combos.map((p) => thresholdsFor(rule, p));
  const costs = { fees: sim.fees, slippage: sim.slippage };
  ctx.log.info(
    `simulate: ${gridSize(grid)} combinations of ${rule.generator} on ${frame.length} rows, ${formatTime(frame.time[0]!)} → ${formatTime(frame.time[frame.length - 1]!)}, ${sim.direction}, fees ${sim.fees}`,
  );

  const data = scoreData(frame, rule);
  const started = Date.now();
  ctx.progress({ stage: 'simulate', done: 0, total: combos.length, unit: 'combinations' }); // starts the ETA clock
  const results = await evaluateRules(data, rules, {
    direction: sim.direction,
    costs,
    signal: ctx.signal,
    onProgress: (done, total) => ctx.progress({ stage: 'simulate', done, total, unit: 'combinations' }),
  });
  const ranked = rankBy(
    combos.map((params, i) => ({ params, metrics: results[i]! }) as RankedModel),
    sim.sort_by,
  );
  const top = ranked.slice(0, Math.max(1, sim.topn_to_store));

  const txt = signalModelsPath(config, 'txt');
  appendSignalModels(txt, grid.axes, top);
  const json = signalModelsPath(config, 'json');
  writeFileAtomic(
    json,
    JSON.stringify(
      {
        created: new Date().toISOString(),
        symbol: config.symbol,
        generator: rule.generator,
        scores: rule.scores,
        direction: sim.direction,
        fees: sim.fees,
        slippage: sim.slippage,
        sort_by: sim.sort_by,
        rows: frame.length,
        start: formatTime(frame.time[0]!),
        end: formatTime(frame.time[frame.length - 1]!),
        combinations: combos.length,
        models: top.map((m) => ({ parameters: m.params, performance: originalPerformance(m.metrics), metrics: metricsForJson(m.metrics) })),
      },
      null,
      1,
    ),
  );

  // The best model once more, with its trades, for the report and the chart.
  const best = top[0]!;
  const bestRule = thresholdsFor(rule, best.params);
  const switches = thresholdSwitches(data.price, data.score, bestRule, data.score2).slice();
  const calendar = returnCalendar(frame.time);
  const { metrics } = measureSwitches(data, switches, sim.direction, costs, calendar);
  const equity = new Float64Array(frame.length);
  scanEquity(data.price, switches, sim.direction, costs, calendar, equity);
  const png = signalModelsPath(config, 'png');
  writeFileAtomic(png, chartOfSimulation(frame, rule, bestRule, switches, equity, `${config.symbol} · best of ${combos.length} · ${describeRule(rule, bestRule)}`));

  const out = [
    ...gridTableLines(top, grid.axes, sim.sort_by),
    '',
    'In sample: the best combination on the rows it was chosen on, not an expected performance.',
    ...reportLines(metrics, { symbol: config.symbol, rule: describeRule(rule, bestRule) }),
    '',
    `${combos.length} combinations in ${((Date.now() - started) / 1000).toFixed(1)} s; appended to ${txt}; metrics in ${json}; chart in ${png}`,
  ];
  if (sim.walk_forward) out.push('', ...(await runWalkForward(ctx, frame, data, rule, combos, rules)));
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
