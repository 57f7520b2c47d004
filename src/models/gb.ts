import { UserError } from '../shared/errors.ts';
import { log } from '../shared/log.ts';
import { trainGbdt } from './gbdt.ts';
import { gbSettings, xgboostSetup, type GbSettings } from './gbParams.ts';
import { treeEnsembleFromXgboostJson, xgboostJsonOfGbdt } from './treeEnsemble.ts';
import { textDecoder, textEncoder, type Algorithm, type FitContext, type FitResult } from './types.ts';

/**
 * `gb`: gradient-boosted trees with the original's LightGBM keys. The default engine is our
 * own histogram GBDT (gbdt.ts); `"engine": "xgboost"` trains with the system XGBoost library
 * instead. Both write XGBoost's JSON model layout, scored by our tree evaluator.
 */

function fitJs(X: Float64Array, y: Float64Array, n: number, f: number, s: GbSettings, ctx: FitContext): FitResult {
  const fit = trainGbdt(X, y, n, f, s, (r) => ctx.progress({ done: r.round, total: r.rounds, unit: 'trees', loss: r.trainLoss }));
  return {
    weights: { 'xgb.json': textEncoder.encode(xgboostJsonOfGbdt(fit.model)) },
    info: {
      engine: 'js',
      rounds: s.rounds,
      rounds_run: fit.roundsRun,
      trees: fit.bestIteration,
      stopped_early: fit.stoppedEarly,
      final_loss: fit.trainLoss,
      ...(fit.validRows ? { validation_rows: fit.validRows, validation_gap_rows: fit.gapRows, validation_metric: s.metric, validation_score: fit.validMetric } : {}),
      bins: fit.bins,
    },
  };
}

async function fitXgboost(X: Float64Array, y: Float64Array, n: number, f: number, s: GbSettings, name: string, ctx: FitContext): Promise<FitResult> {
  const { xgboost } = await import('./xgboost.ts');
  const api = xgboost();
  if (s.earlyStoppingRounds > 0) log().warn(`algorithm ${name}: the xgboost engine does not stop early; train.early_stopping_round is ignored`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  const setup = xgboostSetup(s, mean / (n || 1));
  let lastLoss: number | undefined;
  const json = api.train(Float32Array.from(X), Float32Array.from(y), n, f, setup.params, setup.rounds, (round, evalText) => {
    const m = evalText ? /train-[a-z]+:([-0-9.eE+]+)/.exec(evalText) : null;
    if (m) lastLoss = Number(m[1]);
    if (evalText) ctx.progress({ done: round, total: setup.rounds, unit: 'trees', loss: lastLoss });
    return true;
  });
  return {
    weights: { 'xgb.json': json },
    info: { engine: 'xgboost', xgboost_version: api.version, rounds: setup.rounds, final_loss: lastLoss, xgboost_params: setup.params },
  };
}

export const gb: Algorithm = {
  async fit(X, y, n, f, def, ctx) {
    const s = gbSettings(def.train ?? {}, { name: def.name, isRegression: ctx.isRegression, seed: ctx.seed, labelHorizon: ctx.labelHorizon });
    if (s.ignored.length) log().warn(`algorithm ${def.name}: unknown train keys are ignored: ${s.ignored.join(', ')}`);
    const result = s.engine === 'xgboost' ? await fitXgboost(X, y, n, f, s, def.name, ctx) : fitJs(X, y, n, f, s, ctx);
    return { weights: result.weights, info: { ...result.info, ignored_keys: s.ignored } };
  },
  async load(weights, f) {
    const model = treeEnsembleFromXgboostJson(textDecoder.decode(weights['xgb.json']));
    if (model.numFeatures !== f) throw new UserError(`the gb weights take ${model.numFeatures} features but the model has ${f}`);
    return model;
  },
  // The xgboost engine's library version is in the fit facts (xgboost_version).
  libraries: () => ({}),
};
