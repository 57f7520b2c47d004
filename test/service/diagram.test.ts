import { describe, expect, it } from 'vitest';
import { frameFromRows } from '../../src/core/frame.ts';
import { parseFreq, parseTime, MINUTE } from '../../src/core/time.ts';
import { diagramDue, diagramFrame, parseDiagramConfig } from '../../src/jobs/service/diagram.ts';

const T0 = parseTime('2025-11-20 00:00:00');

function bars(scores: number[]) {
  return frameFromRows(
    scores.map((score, i) => ({ timestamp: T0 + i * MINUTE, open: 100 + i, high: 110 + i, low: 90 - i, close: 101 + i, trade_score: score })),
  );
}

describe('the daily diagram (spec §7.4)', () => {
  it('is due on the first bar of the notification interval, judged by the bar close', () => {
    const m1 = parseFreq('1min');
    const d1 = parseFreq('1D');
    expect(diagramDue(parseTime('2025-11-21 00:00:00'), m1, d1)).toBe(true);
    expect(diagramDue(parseTime('2025-11-21 00:01:00'), m1, d1)).toBe(false);
    expect(diagramDue(parseTime('2025-11-20 23:59:00'), m1, d1)).toBe(false);
    expect(diagramDue(parseTime('2025-11-20 13:00:00'), parseFreq('1h'), null)).toBe(true);
  });

  it('resamples OHLC and takes the score max / min / mean as the original does', () => {
    // Buckets of 5 minutes: all positive → max; all negative → min; mixed → mean.
    const f = diagramFrame(bars([0.1, 0.3, 0.2, 0.05, 0.01, -0.1, -0.4, -0.2, -0.3, -0.05, 0.2, -0.1, 0.3, 0, 0.1]), 'trade_score', parseFreq('5min'), 10, []);
    expect(Array.from(f.time)).toEqual([T0, T0 + 5 * MINUTE, T0 + 10 * MINUTE]);
    expect(Array.from(f.get('open'))).toEqual([100, 105, 110]);
    expect(Array.from(f.get('high'))).toEqual([114, 119, 124]);
    expect(Array.from(f.get('low'))).toEqual([86, 81, 76]);
    expect(Array.from(f.get('close'))).toEqual([105, 110, 115]);
    const s = f.get('trade_score');
    expect(s[0]).toBeCloseTo(0.3, 12);
    expect(s[1]).toBeCloseTo(-0.4, 12);
    expect(s[2]).toBeCloseTo((0.2 - 0.1 + 0.3 + 0 + 0.1) / 5, 12);
  });

  it('keeps the last nrows buckets and flags the buckets of transactions inside them', () => {
    const f = diagramFrame(bars(Array(15).fill(0.1)), 'trade_score', parseFreq('5min'), 2, [
      { time: T0 + 2 * MINUTE, side: 'BUY' },
      { time: T0 + 7 * MINUTE, side: 'BUY' },
      { time: T0 + 13 * MINUTE, side: 'SELL' },
    ]);
    expect(Array.from(f.time)).toEqual([T0 + 5 * MINUTE, T0 + 10 * MINUTE]);
    expect(Array.from(f.get('buy_long'))).toEqual([1, 0]);
    expect(Array.from(f.get('sell_long'))).toEqual([0, 1]);
  });

  it('names the key of a bad config value', () => {
    expect(() => parseDiagramConfig({ score_column_names: 'trade_score', nrows: -3 }, 'output_sets[1]')).toThrow('config: key output_sets[1].config.nrows: expected a positive whole number');
    expect(() => parseDiagramConfig({}, 'output_sets[1]')).toThrow(/output_sets\[1\]\.config\.score_column_names/);
  });
});
