import { describe, expect, it } from 'vitest';
import { fillColumn } from '../../src/core/features/fill.ts';
import { interpolateLinear, linearAt } from '../../src/core/interpolate.ts';
import { mergeDataSources } from '../../src/core/merge.ts';
import { calibrationOf } from '../../src/core/signals/calibration.ts';
import { describeProfits } from '../../src/core/notify/tradeMessages.ts';
import { Frame } from '../../src/core/frame.ts';
import { parseFreq } from '../../src/core/time.ts';

/** One linear interpolation (core/interpolate.ts), checked against pandas and numpy (figures printed by them). */
describe('one linear interpolation', () => {
  const gappy = [NaN, 1, NaN, NaN, 4, NaN, 10, NaN, NaN];
  // pd.Series(gappy).interpolate()
  const pandas = [NaN, 1, 2, 3, 4, 7, 10, 10, 10];

  it('fills gaps as pandas interpolate() does, in the merge and in the generators\' "linear" input fill alike', () => {
    const col = Float64Array.from(gappy);
    interpolateLinear(col);
    expect(Array.from(col)).toEqual(pandas);
    expect(Array.from(fillColumn(Float64Array.from(gappy), 'linear'))).toEqual(pandas);
    const m = 60_000;
    const source = new Frame(gappy.map((_, i) => i * m).filter((_, i) => !Number.isNaN(gappy[i]!))).set('close', gappy.filter((v) => !Number.isNaN(v)));
    // The merge's raster runs from the source's first to its last row: the inner gaps are filled.
    const merged = mergeDataSources([{ label: 'test', frame: source, prefix: '' }], parseFreq('1min'), { interpolate: true });
    expect(Array.from(merged.frame.get('close'))).toEqual(pandas.slice(1, 7));
  });

  it("gives numpy's linear quantiles and pandas' median, for the score calibration and the trade stats alike", () => {
    const v = [3.5, -1.0, 8.25, 2.0, 2.0, 11.0, 0.5];
    const sorted = [...v].sort((a, b) => a - b);
    // np.quantile(v, [0, 0.1, 0.25, 0.5, 0.9, 1.0])
    const numpy = [-1.0, -0.09999999999999987, 1.25, 2.0, 9.350000000000001, 11.0];
    [0, 0.1, 0.25, 0.5, 0.9, 1].forEach((q, i) => expect(linearAt(sorted, q * (sorted.length - 1))).toBeCloseTo(numpy[i]!, 12));
    expect(calibrationOf(v, 0.1, 5).quantiles).toEqual([0, 0.25, 0.5, 0.75, 1].map((q) => linearAt(sorted, q * 6)));
    expect(describeProfits([1, 4, 2, 8]).median).toBe(3); // pd.Series([1, 4, 2, 8]).median()
  });
});
