import fs from 'node:fs';
import koffi from 'koffi';
import { UserError } from '../shared/errors.ts';

/**
 * The few functions of XGBoost's C API that training needs, bound with koffi to the system
 * library (Debian's libxgboost0). Calls are synchronous; training runs them in a worker
 * thread. ITB_XGBOOST_LIB overrides the library path.
 */

export const DEFAULT_XGBOOST_LIB = '/lib/x86_64-linux-gnu/libxgboost.so.0';

export function xgboostLibraryPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.ITB_XGBOOST_LIB || DEFAULT_XGBOOST_LIB;
}

export function missingXgboostError(file: string): UserError {
  return new UserError(`algorithm gb needs the XGBoost library, which is not at ${file}: install it with \`apt-get install libxgboost0\` (or set ITB_XGBOOST_LIB to its path)`);
}

export interface XgboostApi {
  version: string;
  train(X: Float32Array, y: Float32Array, n: number, f: number, params: Record<string, string>, rounds: number, onRound: (round: number, evalText?: string) => boolean): Uint8Array;
  /** XGBoost's own predictions of a saved model (the reference the JS tree evaluator is tested against). */
  predict(model: Uint8Array, X: Float32Array, n: number, f: number): Float32Array;
}

let cached: { file: string; api: XgboostApi } | undefined;

function bind(file: string): XgboostApi {
  let lib: ReturnType<typeof koffi.load>;
  if (!fs.existsSync(file)) throw missingXgboostError(file);
  try {
    lib = koffi.load(file);
  } catch {
    throw missingXgboostError(file);
  }
  const handle = koffi.pointer('XgbHandle', koffi.opaque());
  const version = lib.func('void XGBoostVersion(_Out_ int *major, _Out_ int *minor, _Out_ int *patch)');
  const lastError = lib.func('const char *XGBGetLastError()');
  const createMatrix = lib.func('int XGDMatrixCreateFromMat(const float *data, uint64_t nrow, uint64_t ncol, float missing, _Out_ XgbHandle *out)');
  const setFloatInfo = lib.func('int XGDMatrixSetFloatInfo(XgbHandle handle, const char *field, const float *array, uint64_t len)');
  const freeMatrix = lib.func('int XGDMatrixFree(XgbHandle handle)');
  const createBooster = lib.func('int XGBoosterCreate(XgbHandle *dmats, uint64_t len, _Out_ XgbHandle *out)');
  const freeBooster = lib.func('int XGBoosterFree(XgbHandle handle)');
  const setParam = lib.func('int XGBoosterSetParam(XgbHandle handle, const char *name, const char *value)');
  const updateOneIter = lib.func('int XGBoosterUpdateOneIter(XgbHandle handle, int iter, XgbHandle dtrain)');
  const evalOneIter = lib.func('int XGBoosterEvalOneIter(XgbHandle handle, int iter, XgbHandle *dmats, const char **names, uint64_t len, _Out_ const char **out)');
  const loadFromBuffer = lib.func('int XGBoosterLoadModelFromBuffer(XgbHandle handle, const void *buf, uint64_t len)');
  const predict = lib.func('int XGBoosterPredict(XgbHandle handle, XgbHandle dmat, int option_mask, unsigned int ntree_limit, int training, _Out_ uint64_t *len, _Out_ void **out)');
  const saveToBuffer = lib.func('int XGBoosterSaveModelToBuffer(XgbHandle handle, const char *config, _Out_ uint64_t *len, _Out_ void **out)');

  const check = (rc: number, what: string) => {
    if (rc !== 0) throw new Error(`XGBoost ${what} failed: ${String(lastError())}`);
  };
  const v: [number[], number[], number[]] = [[0], [0], [0]];
  version(v[0], v[1], v[2]);

  return {
    version: `${v[0][0]}.${v[1][0]}.${v[2][0]}`,
    train(X, y, n, f, params, rounds, onRound) {
      const dm: unknown[] = [null];
      check(createMatrix(X, n, f, NaN, dm), 'creating the training matrix');
      const booster: unknown[] = [null];
      try {
        check(setFloatInfo(dm[0], 'label', y, n), 'setting the labels');
        check(createBooster([dm[0]], 1, booster), 'creating the booster');
        for (const [k, val] of Object.entries(params)) check(setParam(booster[0], k, val), `setting ${k}=${val}`);
        for (let r = 0; r < rounds; r++) {
          check(updateOneIter(booster[0], r, dm[0]), `boosting round ${r + 1}`);
          const wantEval = r === rounds - 1 || (r + 1) % Math.max(1, Math.floor(rounds / 50)) === 0;
          let text: string | undefined;
          if (wantEval) {
            const out: unknown[] = [null];
            check(evalOneIter(booster[0], r, [dm[0]], ['train'], 1, out), 'evaluating');
            text = String(out[0]);
          }
          if (!onRound(r + 1, text)) break;
        }
        const len: bigint[] = [0n];
        const ptr: unknown[] = [null];
        check(saveToBuffer(booster[0], '{"format": "json"}', len, ptr), 'saving the model');
        return Uint8Array.from(koffi.decode(ptr[0], 'uint8_t', Number(len[0])) as ArrayLike<number>);
      } finally {
        if (booster[0]) freeBooster(booster[0]);
        freeMatrix(dm[0]);
      }
    },
    predict(model, X, n, f) {
      const dm: unknown[] = [null];
      check(createMatrix(X, n, f, NaN, dm), 'creating the matrix');
      const booster: unknown[] = [null];
      try {
        check(createBooster([], 0, booster), 'creating the booster');
        check(loadFromBuffer(booster[0], model, model.byteLength), 'loading the model');
        const len: bigint[] = [0n];
        const ptr: unknown[] = [null];
        check(predict(booster[0], dm[0], 0, 0, 0, len, ptr), 'predicting');
        return Float32Array.from(koffi.decode(ptr[0], 'float', Number(len[0])) as ArrayLike<number>);
      } finally {
        if (booster[0]) freeBooster(booster[0]);
        freeMatrix(dm[0]);
      }
    },
  };
}

/** The bound library; a missing library is a UserError naming the install step. */
export function xgboost(env: NodeJS.ProcessEnv = process.env): XgboostApi {
  const file = xgboostLibraryPath(env);
  if (cached?.file !== file) cached = { file, api: bind(file) };
  return cached.api;
}
