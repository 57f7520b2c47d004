import fs from 'node:fs';
import path from 'node:path';
import { stageFile } from '../config/load.ts';
import type { Config, GeneratorDef } from '../config/schema.ts';
import { UserError } from '../core/errors.ts';
import type { Frame } from '../core/frame.ts';
import type { GridParams } from '../core/backtest/grid.ts';
import { reportLines } from '../core/backtest/report.ts';
import { readScoreRule, type ScoreRule } from '../core/backtest/scoreRule.ts';
import type { ThresholdRule } from '../core/backtest/thresholdSwitches.ts';
import {
  describeParameters,
  parseWalkForwardRecord,
  walkForwardPeriodLines,
  walkForwardRecord,
  walkForwardSummaryLines,
  type WalkForwardRecord,
} from '../core/backtest/walkForwardFile.ts';
import { monthsToMs, walkForwardThresholds } from '../core/backtest/walkForwardThresholds.ts';
import type { Logger } from '../log.ts';
import { writeFileAtomic } from '../storage/atomic.ts';
import type { JobContext } from './context.ts';

/** `<signal_models_file_name>` with the extension replaced, as Python's with_suffix does. */
export function signalModelsPath(config: Config, ext: string): string {
  const file = stageFile(config, config.signal_models_file_name);
  const parsed = path.parse(file);
  return path.join(parsed.dir, `${parsed.name}.${ext}`);
}

/** Where `itb simulate` keeps its last walk-forward run: `<signal_models>.walk-forward.json`. */
export function walkForwardPath(config: Config): string {
  return signalModelsPath(config, 'walk-forward.json');
}

/**
 * The walk-forward part of `itb simulate` (simulate_model.walk_forward): thresholds fitted on
 * the months before each test period, applied to it, the periods chained; writes the record and
 * returns the report lines (out-of-sample figures beside buy-and-hold).
 */
export async function runWalkForward(
  ctx: JobContext,
  frame: Frame,
  data: { time: Float64Array; price: Float64Array; score: Float64Array; score2?: Float64Array },
  rule: ScoreRule,
  combos: GridParams[],
  rules: ThresholdRule[],
): Promise<string[]> {
  const { config } = ctx;
  const sim = config.simulate_model;
  const wf = sim.walk_forward!;
  const result = await walkForwardThresholds(data, combos, rules, {
    trainMs: monthsToMs(wf.train_months),
    testMs: monthsToMs(wf.test_months),
    direction: sim.direction,
    costs: { fees: sim.fees, slippage: sim.slippage },
    sortBy: sim.sort_by,
    signal: ctx.signal,
    onProgress: (done, total) => ctx.progress({ stage: 'walk-forward', done, total, unit: 'periods' }),
  });
  const record = walkForwardRecord(result, frame.time, {
    created: new Date(),
    symbol: config.symbol,
    rule,
    direction: sim.direction,
    fees: sim.fees,
    slippage: sim.slippage,
    sortBy: sim.sort_by,
    trainMonths: wf.train_months,
    testMonths: wf.test_months,
    combinations: combos.length,
  });
  const file = walkForwardPath(config);
  writeFileAtomic(file, JSON.stringify(record, null, 1));
  return [
    ...walkForwardSummaryLines(record),
    '',
    ...walkForwardPeriodLines(record),
    '',
    ...reportLines(result.metrics, { symbol: config.symbol, rule: 'walk-forward thresholds (per period, above)' }),
    '',
    `walk-forward run in ${file}`,
  ];
}

/** The last walk-forward run of this config's folder, or null when there is none. */
export function readWalkForward(config: Config): WalkForwardRecord | null {
  const file = walkForwardPath(config);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return parseWalkForwardRecord(text, file);
}

/** The last walk-forward run when it was made for this rule (generator and score columns), else null. */
export function walkForwardFor(config: Config, rule: Pick<ScoreRule, 'generator' | 'scores'>): WalkForwardRecord | null {
  const record = readWalkForward(config);
  return record && record.generator === rule.generator && record.scores.join() === rule.scores.join() ? record : null;
}

/** The value of `parameters_from` that takes the thresholds of the last walk-forward run. */
export const FROM_WALK_FORWARD = 'walk_forward';

/**
 * The config with the thresholds in force: a threshold_rule / threshold_rule2 entry of
 * signal_sets with `"parameters_from": "walk_forward"` gets the thresholds of the last
 * walk-forward run (`itb simulate` with simulate_model.walk_forward) when that run was made for
 * the same rule and score columns; otherwise it keeps its own `parameters`. Says in the log
 * which thresholds are in force and where they come from.
 */
export function withThresholdsInForce(config: Config, log?: Logger): Config {
  const wanted = config.signal_sets.map((def, i) => ({ def, i })).filter(({ def }) => def.config?.parameters_from !== undefined);
  if (!wanted.length) return config;
  const file = walkForwardPath(config);
  let record: WalkForwardRecord | null = null;
  const sets: GeneratorDef[] = [...config.signal_sets];
  for (const { def, i } of wanted) {
    const where = `signal_sets[${i}]`;
    if (def.config.parameters_from !== FROM_WALK_FORWARD) {
      throw new UserError(`config: key ${where}.config.parameters_from: expected "${FROM_WALK_FORWARD}" (or leave it out), got ${JSON.stringify(def.config.parameters_from)}`);
    }
    const rule = readScoreRule(def, where);
    const own = describeParameters(rule.parameters as GridParams);
    record ??= readWalkForward(config);
    if (!record) {
      log?.info(`${where} ${rule.generator}: no walk-forward run yet (${file}; \`itb simulate\` with simulate_model.walk_forward makes it): the config's thresholds are in force: ${own}`);
      continue;
    }
    if (record.generator !== rule.generator || record.scores.join() !== rule.scores.join()) {
      log?.warn(
        `${where} ${rule.generator}: the walk-forward run in ${file} was made for ${record.generator} on ${record.scores.join(', ')}, not this rule: the config's thresholds are in force: ${own}`,
      );
      continue;
    }
    const fitted = Object.fromEntries(Object.entries(record.thresholds.parameters).filter(([, v]) => typeof v === 'number'));
    sets[i] = { ...def, config: { ...def.config, parameters: { ...rule.parameters, ...fitted } } };
    const [from, to] = record.thresholds.train;
    log?.info(
      `${where} ${rule.generator} on ${rule.scores.join(', ')}: thresholds in force ${describeParameters(fitted)}, from the walk-forward run of ${record.created.slice(0, 16).replace('T', ' ')} UTC (${file}; fitted on ${from.slice(0, 16)} → ${to.slice(0, 16)})`,
    );
  }
  return { ...config, signal_sets: sets };
}
