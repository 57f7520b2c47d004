import { UserError } from '../shared/errors.ts';
import { log } from '../shared/log.ts';
import { xgboostSetup } from './gbParams.ts';
import { treeEnsembleFromXgboostJson } from './treeEnsemble.ts';
import { xgboost } from './xgboost.ts';
import { textDecoder, type Algorithm } from './types.ts';

/**
 * `gb`: gradient-boosted trees. The original trains LightGBM; this trains XGBoost (through
 * the system library) with the LightGBM keys mapped (gbParams.ts). The weights file is
 * XGBoost's own JSON model, which Python's xgboost can load too.
 */
export const gb: Algorithm = {
  async fit(X, y, n, f, def, ctx) {
    const api = xgboost();
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y[i]!;
    mean /= n || 1;
    const setup = xgboostSetup(def.train ?? {}, { name: def.name, isRegression: ctx.isRegression, seed: ctx.seed, positiveShare: mean });
    if (setup.ignored.length) log().warn(`algorithm ${def.name}: train keys without an XGBoost counterpart are ignored: ${setup.ignored.join(', ')}`);
    let lastLoss: number | undefined;
    const json = api.train(Float32Array.from(X), Float32Array.from(y), n, f, setup.params, setup.rounds, (round, evalText) => {
      const m = evalText ? /train-[a-z]+:([-0-9.eE+]+)/.exec(evalText) : null;
      if (m) lastLoss = Number(m[1]);
      if (evalText) ctx.progress({ done: round, total: setup.rounds, unit: 'trees', loss: lastLoss });
      return true;
    });
    return {
      weights: { 'xgb.json': json },
      info: { rounds: setup.rounds, final_loss: lastLoss, xgboost_params: setup.params, ignored_keys: setup.ignored },
    };
  },
  async load(weights, f) {
    const model = treeEnsembleFromXgboostJson(textDecoder.decode(weights['xgb.json']));
    if (model.numFeatures !== f) throw new UserError(`the gb weights take ${model.numFeatures} features but the model has ${f}`);
    return model;
  },
  libraries: () => ({ xgboost: xgboost().version }),
};
