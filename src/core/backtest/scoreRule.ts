import type { GeneratorDef } from '../../config/schema.ts';
import { UserError } from '../../shared/errors.ts';
import type { GridParams } from './grid.ts';
import type { ThresholdRule } from './thresholdSwitches.ts';

/** A threshold_rule / threshold_rule2 entry of signal_sets, as the backtest needs it. */
export interface ScoreRule {
  generator: 'threshold_rule' | 'threshold_rule2';
  /** One score column (threshold_rule) or two (threshold_rule2). */
  scores: string[];
  /** The boolean columns it writes: [buy, sell]. */
  names: [string, string];
  /** Its configured thresholds (config.parameters). */
  parameters: Record<string, number>;
}

/** The signal_sets entry named by simulate_model.signal_generator, checked. */
export function findScoreRule(signalSets: GeneratorDef[], generatorName: string | null | undefined): ScoreRule {
  const name = generatorName || 'threshold_rule';
  const index = signalSets.findIndex((s) => s.generator === name);
  if (index < 0) {
    const known = signalSets.map((s) => s.generator).join(', ') || 'none';
    throw new UserError(`simulate_model.signal_generator "${name}" is not among the signal_sets generators (${known})`);
  }
  return readScoreRule(signalSets[index]!, `signal_sets[${index}]`);
}

export function readScoreRule(def: GeneratorDef, label: string): ScoreRule {
  const generator = def.generator;
  if (generator !== 'threshold_rule' && generator !== 'threshold_rule2') {
    throw new UserError(`${label}: the grid search varies threshold_rule or threshold_rule2 thresholds; "${generator}" is not one of them`);
  }
  const cfg = def.config ?? {};
  const columns = typeof cfg.columns === 'string' ? [cfg.columns] : cfg.columns;
  const want = generator === 'threshold_rule' ? 1 : 2;
  if (!Array.isArray(columns) || columns.length !== want || !columns.every((c) => typeof c === 'string')) {
    throw new UserError(`${label}.config.columns: ${generator} needs ${want === 1 ? 'one score column name' : 'a list of two score column names'}`);
  }
  const names = cfg.names;
  if (!Array.isArray(names) || names.length !== 2 || !names.every((c) => typeof c === 'string')) {
    throw new UserError(`${label}.config.names: expected a list of two column names [buy, sell]`);
  }
  const parameters: Record<string, number> = {};
  const raw = (cfg.parameters ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'number') parameters[k] = v;
  return { generator, scores: columns as string[], names: names as [string, string], parameters };
}

/**
 * The thresholds one combination gives: the grid's values over the configured ones (the
 * original updates config.parameters in place, so keys the grid leaves out keep theirs).
 */
export function thresholdsFor(rule: ScoreRule, params: GridParams): ThresholdRule {
  const merged: Record<string, number | null | undefined> = { ...rule.parameters, ...params };
  const need = (key: string): number => {
    const v = merged[key];
    if (typeof v !== 'number') {
      throw new UserError(`${rule.generator} needs ${key}: set it in simulate_model.grid or in the generator's config.parameters`);
    }
    return v;
  };
  const out: ThresholdRule = { buy: need('buy_signal_threshold'), sell: need('sell_signal_threshold') };
  if (rule.generator === 'threshold_rule2') {
    out.buy2 = need('buy_signal_threshold_2');
    out.sell2 = need('sell_signal_threshold_2');
  }
  return out;
}
