import { UserError } from '../../shared/errors.ts';
import { Frame } from '../../core/frame.ts';
import { floorTime, parseFreq, type Freq } from '../../core/time.ts';
import type { BarOutput, ChannelPublisher, OutputBar } from './ports.ts';
import type { RecentBars } from './recentBars.ts';

/** A trade to mark on the diagram (the trader's transactions). */
export interface DiagramTransaction {
  time: number;
  side: 'BUY' | 'SELL';
}

/** What the chart shows: resampled OHLC, the score, and the transactions as flags per resampled bar. */
export interface DiagramData {
  title: string;
  /** Columns open, high, low, close, the score column, and buy_long / sell_long (0/1). */
  frame: Frame;
  scoreColumn: string;
  thresholds: number[];
}

/** Draws a diagram to PNG (src/charts). */
export type DiagramRenderer = (data: DiagramData) => Promise<Uint8Array> | Uint8Array;

export interface DiagramConfig {
  notificationFreq: Freq | null;
  scoreColumn: string;
  thresholds: number[];
  resampling: Freq;
  nrows: number;
  enabled: boolean;
}

/** Validates a `diagram_notification_model` config object (spec §7.4); errors name the key. */
export function parseDiagramConfig(raw: Record<string, unknown>, where: string): DiagramConfig {
  const key = `${where}.config`;
  const cols = raw.score_column_names;
  const scoreColumn = typeof cols === 'string' ? cols : Array.isArray(cols) && typeof cols[0] === 'string' ? cols[0] : '';
  if (!scoreColumn) throw new UserError(`config: key ${key}.score_column_names: expected a score column name`);
  const thresholds = Array.isArray(raw.score_thresholds) ? raw.score_thresholds.filter((x): x is number => typeof x === 'number') : [];
  const nrows = raw.nrows === undefined ? 288 : raw.nrows;
  if (typeof nrows !== 'number' || !Number.isInteger(nrows) || nrows <= 0) throw new UserError(`config: key ${key}.nrows: expected a positive whole number`);
  const freqAt = (name: string, fallback: string | null) => {
    const v = raw[name] ?? fallback;
    if (v === null) return null;
    if (typeof v !== 'string') throw new UserError(`config: key ${key}.${name}: expected a frequency such as "1D" or "5min"`);
    return parseFreq(v);
  };
  return {
    notificationFreq: freqAt('notification_freq', null),
    scoreColumn,
    thresholds,
    resampling: freqAt('resampling_freq', '5min')!,
    nrows,
    enabled: raw.diagram_notification !== false,
  };
}

/**
 * The original sends the diagram when the current notification_freq interval starts with the
 * current bar interval, e.g. daily on the first bar after 00:00 UTC. The bar's close time is
 * "now" here, so a replay or a catch-up decides the same way.
 */
export function diagramDue(closeTime: number, freq: Freq, notificationFreq: Freq | null): boolean {
  if (!notificationFreq) return true;
  return floorTime(closeTime, notificationFreq) === floorTime(closeTime, freq);
}

/**
 * Resamples bars to the diagram's frequency: open first, high max, low min, close last; the
 * score is the max when all values are positive, the min when all are negative, else the mean.
 * Keeps the last `nrows` buckets and flags the buckets with a BUY / SELL transaction.
 */
export function diagramFrame(bars: Frame, scoreColumn: string, resampling: Freq, nrows: number, transactions: DiagramTransaction[]): Frame {
  const t = bars.time;
  const open = bars.get('open');
  const high = bars.get('high');
  const low = bars.get('low');
  const close = bars.get('close');
  const score = bars.has(scoreColumn) ? bars.get(scoreColumn) : new Float64Array(bars.length).fill(NaN);
  const times: number[] = [];
  const o: number[] = [], h: number[] = [], l: number[] = [], c: number[] = [], s: number[] = [];
  let i = 0;
  while (i < bars.length) {
    const bucket = floorTime(t[i]!, resampling);
    let hi = -Infinity, lo = Infinity, first = NaN, last = NaN;
    let sum = 0, n = 0, max = -Infinity, min = Infinity, allPos = true, allNeg = true;
    for (; i < bars.length && floorTime(t[i]!, resampling) === bucket; i++) {
      if (Number.isNaN(first)) first = open[i]!;
      if (Number.isFinite(close[i]!)) last = close[i]!;
      if (high[i]! > hi) hi = high[i]!;
      if (low[i]! < lo) lo = low[i]!;
      const v = score[i]!;
      if (Number.isFinite(v)) {
        sum += v;
        n++;
        if (v > max) max = v;
        if (v < min) min = v;
        if (!(v > 0)) allPos = false;
        if (!(v < 0)) allNeg = false;
      }
    }
    times.push(bucket);
    o.push(first);
    h.push(Number.isFinite(hi) ? hi : NaN);
    l.push(Number.isFinite(lo) ? lo : NaN);
    c.push(last);
    s.push(n === 0 ? NaN : allPos ? max : allNeg ? min : sum / n);
  }
  const keep = Math.max(0, times.length - nrows);
  const out = new Frame(times.slice(keep));
  out.set('open', o.slice(keep)).set('high', h.slice(keep)).set('low', l.slice(keep)).set('close', c.slice(keep)).set(scoreColumn, s.slice(keep));
  const buy = new Float64Array(out.length);
  const sell = new Float64Array(out.length);
  const start = out.length ? out.time[0]! : Infinity;
  for (const tr of transactions) {
    if (tr.time < start) continue;
    const j = out.lowerBound(floorTime(tr.time, resampling));
    if (j >= out.length || out.time[j] !== floorTime(tr.time, resampling)) continue;
    if (tr.side === 'BUY') buy[j] = 1;
    else sell[j] = 1;
  }
  out.set('buy_long', buy, 'bool').set('sell_long', sell, 'bool');
  return out;
}

/** `diagram_notification_model`: the periodic chart of price, score and trades, posted to the channel. */
export class DiagramOutput implements BarOutput {
  readonly name = 'diagram_notification_model';

  constructor(
    private readonly cfg: DiagramConfig,
    private readonly deps: {
      freq: Freq;
      title: string;
      recent: () => RecentBars;
      render: DiagramRenderer;
      publisher: ChannelPublisher;
      transactions?: () => DiagramTransaction[];
    },
  ) {}

  async run(bar: OutputBar): Promise<void> {
    if (!this.cfg.enabled || !bar.fresh) return;
    if (!diagramDue(bar.candle.time + this.deps.freq.ms, this.deps.freq, this.cfg.notificationFreq)) return;
    const data = this.data();
    const png = await this.deps.render(data);
    await this.deps.publisher.publishPhoto(png, '', { key: `diagram:${bar.candle.time}` });
  }

  /** The chart's data from the recent bars (also what /chart draws). */
  data(): DiagramData {
    const frame = diagramFrame(this.deps.recent().toFrame(), this.cfg.scoreColumn, this.cfg.resampling, this.cfg.nrows, this.deps.transactions?.() ?? []);
    return { title: this.deps.title, frame, scoreColumn: this.cfg.scoreColumn, thresholds: this.cfg.thresholds };
  }

  /** Bars of the service frequency the diagram needs in memory. */
  barsNeeded(): number {
    return Math.ceil((this.cfg.nrows * this.cfg.resampling.ms) / this.deps.freq.ms);
  }
}
