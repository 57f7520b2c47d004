import type { Kernel } from '../kernel.ts';
import { Bbands, Dema, Ema, Kama, MidPoint, MidPrice, Sma, Tema, Trima, Wma } from './overlap.ts';
import { Beta, Correl, LinearReg, StdDev, Var } from './statistic.ts';
import { Extremum, Sum } from './mathOps.ts';
import { Adx, Adxr, Aroon, Cci, Change, Macd, Mfi, PriceOscillator, Rsi, Stoch, StochRsi, Trix, Willr } from './momentum.ts';
import { Bop, PriceTransform } from './priceTransform.ts';
import { Atr, TRange } from './volatility.ts';
import { Ad, AdOsc, Obv } from './volume.ts';

/**
 * A TA-Lib function as the config names it: its inputs and outputs (TA-Lib's argument
 * names), its numeric parameters with TA-Lib's defaults, and a kernel factory.
 * `timeperiod`, when present, is what the generator's `windows` set.
 */
export interface TalibFunction {
  inputs: string[];
  outputs: string[];
  params: Record<string, number>;
  /** Smallest accepted timeperiod (TA-Lib's range). */
  minPeriod?: number;
  make(p: Record<string, number>, output: number): Kernel;
}

const real = ['real'];
const hlc = ['high', 'low', 'close'];
const hlcv = ['high', 'low', 'close', 'volume'];
const one = ['real'];

const unary = (params: Record<string, number>, make: (p: Record<string, number>) => Kernel, minPeriod = 2): TalibFunction => ({
  inputs: real,
  outputs: one,
  params,
  minPeriod,
  make: (p) => make(p),
});

export const TALIB_FUNCTIONS: Record<string, TalibFunction> = {
  // overlap studies
  SMA: unary({ timeperiod: 30 }, (p) => new Sma(p.timeperiod!)),
  EMA: unary({ timeperiod: 30 }, (p) => new Ema(p.timeperiod!)),
  WMA: unary({ timeperiod: 30 }, (p) => new Wma(p.timeperiod!)),
  DEMA: unary({ timeperiod: 30 }, (p) => new Dema(p.timeperiod!)),
  TEMA: unary({ timeperiod: 30 }, (p) => new Tema(p.timeperiod!)),
  TRIMA: unary({ timeperiod: 30 }, (p) => new Trima(p.timeperiod!)),
  KAMA: unary({ timeperiod: 30 }, (p) => new Kama(p.timeperiod!)),
  MIDPOINT: unary({ timeperiod: 14 }, (p) => new MidPoint(p.timeperiod!)),
  MIDPRICE: { inputs: ['high', 'low'], outputs: one, params: { timeperiod: 14 }, make: (p) => new MidPrice(p.timeperiod!) },
  BBANDS: {
    inputs: real,
    outputs: ['upperband', 'middleband', 'lowerband'],
    params: { timeperiod: 5, nbdevup: 2, nbdevdn: 2 },
    make: (p, o) => new Bbands(p.timeperiod!, p.nbdevup!, p.nbdevdn!, o as 0 | 1 | 2),
  },
  // statistic functions
  STDDEV: unary({ timeperiod: 5, nbdev: 1 }, (p) => new StdDev(p.timeperiod!, p.nbdev!)),
  VAR: unary({ timeperiod: 5, nbdev: 1 }, (p) => new Var(p.timeperiod!)),
  LINEARREG: unary({ timeperiod: 14 }, (p) => new LinearReg(p.timeperiod!, 'value')),
  LINEARREG_SLOPE: unary({ timeperiod: 14 }, (p) => new LinearReg(p.timeperiod!, 'slope')),
  LINEARREG_ANGLE: unary({ timeperiod: 14 }, (p) => new LinearReg(p.timeperiod!, 'angle')),
  LINEARREG_INTERCEPT: unary({ timeperiod: 14 }, (p) => new LinearReg(p.timeperiod!, 'intercept')),
  TSF: unary({ timeperiod: 14 }, (p) => new LinearReg(p.timeperiod!, 'forecast')),
  CORREL: { inputs: ['real0', 'real1'], outputs: one, params: { timeperiod: 30 }, minPeriod: 1, make: (p) => new Correl(p.timeperiod!) },
  BETA: { inputs: ['real0', 'real1'], outputs: one, params: { timeperiod: 5 }, minPeriod: 1, make: (p) => new Beta(p.timeperiod!) },
  // math operators
  MIN: unary({ timeperiod: 30 }, (p) => new Extremum(p.timeperiod!, false)),
  MAX: unary({ timeperiod: 30 }, (p) => new Extremum(p.timeperiod!, true)),
  SUM: unary({ timeperiod: 30 }, (p) => new Sum(p.timeperiod!)),
  // momentum indicators
  MOM: unary({ timeperiod: 10 }, (p) => new Change(p.timeperiod!, 'mom'), 1),
  ROC: unary({ timeperiod: 10 }, (p) => new Change(p.timeperiod!, 'roc'), 1),
  ROCP: unary({ timeperiod: 10 }, (p) => new Change(p.timeperiod!, 'rocp'), 1),
  ROCR: unary({ timeperiod: 10 }, (p) => new Change(p.timeperiod!, 'rocr'), 1),
  ROCR100: unary({ timeperiod: 10 }, (p) => new Change(p.timeperiod!, 'rocr100'), 1),
  RSI: unary({ timeperiod: 14 }, (p) => new Rsi(p.timeperiod!)),
  MACD: {
    inputs: real,
    outputs: ['macd', 'macdsignal', 'macdhist'],
    params: { fastperiod: 12, slowperiod: 26, signalperiod: 9 },
    make: (p, o) => new Macd(p.fastperiod!, p.slowperiod!, p.signalperiod!, o as 0 | 1 | 2),
  },
  APO: unary({ fastperiod: 12, slowperiod: 26 }, (p) => new PriceOscillator(p.fastperiod!, p.slowperiod!, false)),
  PPO: unary({ fastperiod: 12, slowperiod: 26 }, (p) => new PriceOscillator(p.fastperiod!, p.slowperiod!, true)),
  TRIX: unary({ timeperiod: 30 }, (p) => new Trix(p.timeperiod!), 1),
  BOP: { inputs: ['open', 'high', 'low', 'close'], outputs: one, params: {}, make: () => new Bop() },
  ADX: { inputs: hlc, outputs: one, params: { timeperiod: 14 }, make: (p) => new Adx(p.timeperiod!, 'adx') },
  ADXR: { inputs: hlc, outputs: one, params: { timeperiod: 14 }, make: (p) => new Adxr(p.timeperiod!) },
  PLUS_DM: { inputs: ['high', 'low'], outputs: one, params: { timeperiod: 14 }, minPeriod: 2, make: (p) => new DmOnly(p.timeperiod!, 'plus_dm') },
  MINUS_DM: { inputs: ['high', 'low'], outputs: one, params: { timeperiod: 14 }, minPeriod: 2, make: (p) => new DmOnly(p.timeperiod!, 'minus_dm') },
  DX: { inputs: hlc, outputs: one, params: { timeperiod: 14 }, make: (p) => new Adx(p.timeperiod!, 'dx') },
  PLUS_DI: { inputs: hlc, outputs: one, params: { timeperiod: 14 }, minPeriod: 1, make: (p) => new Adx(p.timeperiod!, 'plus_di') },
  MINUS_DI: { inputs: hlc, outputs: one, params: { timeperiod: 14 }, minPeriod: 1, make: (p) => new Adx(p.timeperiod!, 'minus_di') },
  CCI: { inputs: hlc, outputs: one, params: { timeperiod: 14 }, make: (p) => new Cci(p.timeperiod!) },
  STOCH: {
    inputs: hlc,
    outputs: ['slowk', 'slowd'],
    params: { fastk_period: 5, slowk_period: 3, slowd_period: 3 },
    make: (p, o) => new Stoch(p.fastk_period!, p.slowk_period!, p.slowd_period!, o as 0 | 1),
  },
  STOCHRSI: {
    inputs: real,
    outputs: ['fastk', 'fastd'],
    params: { timeperiod: 14, fastk_period: 5, fastd_period: 3 },
    make: (p, o) => new StochRsi(p.timeperiod!, p.fastk_period!, p.fastd_period!, o as 0 | 1),
  },
  WILLR: { inputs: hlc, outputs: one, params: { timeperiod: 14 }, make: (p) => new Willr(p.timeperiod!) },
  MFI: { inputs: hlcv, outputs: one, params: { timeperiod: 14 }, make: (p) => new Mfi(p.timeperiod!) },
  AROON: {
    inputs: ['high', 'low'],
    outputs: ['aroondown', 'aroonup'],
    params: { timeperiod: 14 },
    make: (p, o) => new Aroon(p.timeperiod!, o as 0 | 1),
  },
  AROONOSC: { inputs: ['high', 'low'], outputs: one, params: { timeperiod: 14 }, make: (p) => new Aroon(p.timeperiod!, 2) },
  // volatility
  ATR: { inputs: hlc, outputs: one, params: { timeperiod: 14 }, minPeriod: 1, make: (p) => new Atr(p.timeperiod!, false) },
  NATR: { inputs: hlc, outputs: one, params: { timeperiod: 14 }, minPeriod: 1, make: (p) => new Atr(p.timeperiod!, true) },
  TRANGE: { inputs: hlc, outputs: one, params: {}, make: () => new TRange() },
  // price transforms
  MEDPRICE: { inputs: ['high', 'low'], outputs: one, params: {}, make: () => new PriceTransform('medprice') },
  TYPPRICE: { inputs: hlc, outputs: one, params: {}, make: () => new PriceTransform('typprice') },
  AVGPRICE: { inputs: ['open', 'high', 'low', 'close'], outputs: one, params: {}, make: () => new PriceTransform('avgprice') },
  WCLPRICE: { inputs: hlc, outputs: one, params: {}, make: () => new PriceTransform('wclprice') },
  // volume
  OBV: { inputs: ['real', 'volume'], outputs: one, params: {}, make: () => new Obv() },
  AD: { inputs: hlcv, outputs: one, params: {}, make: () => new Ad() },
  ADOSC: { inputs: hlcv, outputs: one, params: { fastperiod: 3, slowperiod: 10 }, make: (p) => new AdOsc(p.fastperiod!, p.slowperiod!) },
};

/** +DM / −DM read high and low only; the true range (which needs close) is not used. */
class DmOnly implements Kernel {
  private readonly adx: Adx;
  private readonly row = new Float64Array(3);
  constructor(period: number, output: 'plus_dm' | 'minus_dm') {
    this.adx = new Adx(period, output);
  }
  next(v: ArrayLike<number>): number {
    this.row[0] = v[0]!;
    this.row[1] = v[1]!;
    this.row[2] = 0;
    return this.adx.next(this.row);
  }
}

export const TALIB_NAMES = Object.keys(TALIB_FUNCTIONS);
