import { returnCalendar, type ReturnCalendar } from './calendar.ts';
import { measureSwitches, type BacktestMetrics } from './metrics.ts';
import { maskScoresByPrice, thresholdSwitches, type ThresholdRule } from './thresholdSwitches.ts';
import type { Direction, TradeCosts } from './trades.ts';

/** The columns a grid search reads. */
export interface GridData {
  time: Float64Array;
  price: Float64Array;
  score: Float64Array;
  /** The second score of threshold_rule2. */
  score2?: Float64Array;
}

export interface GridRun {
  direction: Direction;
  costs: TradeCosts;
}

/** Evaluates combinations one after another in this thread. */
export class GridKernel {
  private readonly calendar: ReturnCalendar;
  private readonly score: Float64Array;
  private readonly score2: Float64Array | undefined;
  private switchBuffer: Int32Array = new Int32Array(4096);

  constructor(
    private readonly data: GridData,
    private readonly run: GridRun,
  ) {
    this.calendar = returnCalendar(data.time);
    this.score = maskScoresByPrice(data.price, data.score);
    this.score2 = data.score2 && maskScoresByPrice(data.price, data.score2);
  }

  evaluate(rule: ThresholdRule): BacktestMetrics {
    const { data, run } = this;
    const switches = thresholdSwitches(null, this.score, rule, this.score2, this.switchBuffer);
    if (switches.buffer !== this.switchBuffer.buffer) this.switchBuffer = new Int32Array(switches.buffer as ArrayBuffer);
    return measureSwitches(data, switches, run.direction, run.costs, this.calendar, false).metrics;
  }
}
