import { describe, expect, it } from 'vitest';
import { Frame, frameFromRows } from '../src/core/frame.ts';

describe('Frame', () => {
  it('keeps columns in insertion order and replaces in place', () => {
    const f = new Frame([1, 2, 3]);
    f.set('a', [1, 2, 3]).set('b', [4, 5, 6]).set('a', [7, 8, 9]);
    expect(f.columnNames()).toEqual(['a', 'b']);
    expect([...f.get('a')]).toEqual([7, 8, 9]);
  });

  it('names the missing column and the ones there are', () => {
    const f = frameFromRows([{ timestamp: 0, close: 1 }]);
    expect(() => f.get('open')).toThrow('column "open" is not in the data (columns: close)');
  });

  it('appends rows, replacing the overlapping ones', () => {
    const a = frameFromRows([{ timestamp: 1, x: 1 }, { timestamp: 2, x: 2 }, { timestamp: 3, x: 3 }]);
    const b = frameFromRows([{ timestamp: 3, x: 30, y: 1 }, { timestamp: 4, x: 40, y: 2 }]);
    const c = a.appendReplacing(b);
    expect([...c.time]).toEqual([1, 2, 3, 4]);
    expect([...c.get('x')]).toEqual([1, 2, 30, 40]);
    expect([...c.get('y')]).toEqual([NaN, NaN, 1, 2]);
  });

  it('slices and tails by copy', () => {
    const f = frameFromRows([{ timestamp: 1, x: 1 }, { timestamp: 2, x: 2 }, { timestamp: 3, x: 3 }]);
    const t = f.tail(2);
    t.get('x')[0] = 99;
    expect([...f.get('x')]).toEqual([1, 2, 3]);
    expect([...t.time]).toEqual([2, 3]);
    expect(f.lowerBound(2)).toBe(1);
    expect(f.lowerBound(2.5)).toBe(2);
  });
});
