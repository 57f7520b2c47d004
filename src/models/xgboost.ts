import koffi from 'koffi';
import { UserError } from '../core/errors.ts';

/**
 * The few functions of XGBoost's C API that the optional `"engine": "xgboost"` of `gb` needs,
 * bound with koffi to the system library (Debian's libxgboost0), which the dynamic loader
 * finds by name (its usual search: LD_LIBRARY_PATH, the loader cache, the system folders).
 * ITB_XGBOOST_LIB names the library file instead. Calls are synchronous; training runs them
 * in a worker thread.
 */

/** The library names asked of the dynamic loader, in order, on this platform. */
export function xgboostLibraryNames(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  if (env.ITB_XGBOOST_LIB) return [env.ITB_XGBOOST_LIB];
  if (platform === 'darwin') return ['libxgboost.dylib'];
  if (platform === 'win32') return ['xgboost.dll'];
  return ['libxgboost.so.0', 'libxgboost.so'];
}

export function missingXgboostError(names: string[], env: NodeJS.ProcessEnv = process.env): UserError {
  const where = env.ITB_XGBOOST_LIB ? `which is not at ${env.ITB_XGBOOST_LIB} (ITB_XGBOOST_LIB)` : `which the dynamic loader did not find (asked for ${names.join(', ')})`;
  return new UserError(
    `algorithm gb with "engine": "xgboost" needs the XGBoost library, ${where}: install it (Debian/Ubuntu: \`apt-get install libxgboost0\`), set ITB_XGBOOST_LIB to its path, or drop the engine key to train with the built-in engine, which needs no library`,
  );
}

export interface XgboostApi {
  version: string;
  train(X: Float32Array, y: Float32Array, n: number, f: number, params: Record<string, string>, rounds: number, onRound: (round: number, evalText?: string) => boolean): Uint8Array;
  /** XGBoost's own predictions of a saved model (the reference the JS tree evaluator is tested against). */
  predict(model: Uint8Array, X: Float32Array, n: number, f: number): Float32Array;
}

let cached: { key: string; api: XgboostApi } | undefined;

function bind(lib: ReturnType<typeof koffi.load>): XgboostApi {
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

function load(names: string[]): ReturnType<typeof koffi.load> | undefined {
  for (const name of names) {
    try {
      return koffi.load(name);
    } catch {
      // not found under this name: try the next
    }
  }
  return undefined;
}

/** The bound library; a missing library is a UserError naming the install step. */
export function xgboost(env: NodeJS.ProcessEnv = process.env): XgboostApi {
  const names = xgboostLibraryNames(env);
  const key = names.join('\n');
  if (cached?.key !== key) {
    const lib = load(names);
    if (!lib) throw missingXgboostError(names, env);
    cached = { key, api: bind(lib) };
  }
  return cached.api;
}

/** Whether the XGBoost library loads (for tests and diagnostics). */
export function xgboostAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    xgboost(env);
    return true;
  } catch {
    return false;
  }
}
