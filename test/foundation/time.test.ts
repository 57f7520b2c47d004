import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/shared/errors.ts';
import { DAY, epochToMs, floorTime, formatTime, HOUR, MINUTE, nextTime, parseFreq, parseTime } from '../../src/core/time.ts';

describe('freq aliases', () => {
  it('pandas spellings map to lengths and ccxt timeframes', () => {
    expect(parseFreq('1min')).toMatchObject({ ms: MINUTE, months: 0, timeframe: '1m' });
    expect(parseFreq('5min')).toMatchObject({ ms: 5 * MINUTE, timeframe: '5m' });
    expect(parseFreq('15T')).toMatchObject({ ms: 15 * MINUTE, timeframe: '15m' });
    expect(parseFreq('1h')).toMatchObject({ ms: HOUR, timeframe: '1h' });
    expect(parseFreq('4H')).toMatchObject({ ms: 4 * HOUR, timeframe: '4h' });
    expect(parseFreq('1D')).toMatchObject({ ms: DAY, timeframe: '1d' });
    expect(parseFreq('1W')).toMatchObject({ ms: 7 * DAY, timeframe: '1w' });
    expect(parseFreq('1MS')).toMatchObject({ months: 1, timeframe: '1M' });
    expect(parseFreq('D')).toMatchObject({ ms: DAY });
  });

  it('anything else is one sentence with examples', () => {
    for (const bad of ['', 'minute', '0min', '1x', '1.5h']) {
      expect(() => parseFreq(bad)).toThrow(UserError);
    }
    expect(() => parseFreq('1x')).toThrow('freq "1x" is not a frequency (expected e.g. 1min, 5min, 1h, 1D, 1W, 1MS)');
  });
});

describe('interval arithmetic (UTC)', () => {
  const t = Date.UTC(2024, 1, 29, 13, 47, 12); // Thursday
  it('floors to the interval start; weeks start on Monday', () => {
    expect(floorTime(t, parseFreq('1min'))).toBe(Date.UTC(2024, 1, 29, 13, 47));
    expect(floorTime(t, parseFreq('5min'))).toBe(Date.UTC(2024, 1, 29, 13, 45));
    expect(floorTime(t, parseFreq('4h'))).toBe(Date.UTC(2024, 1, 29, 12));
    expect(floorTime(t, parseFreq('1D'))).toBe(Date.UTC(2024, 1, 29));
    expect(floorTime(t, parseFreq('1W'))).toBe(Date.UTC(2024, 1, 26));
    expect(floorTime(t, parseFreq('1MS'))).toBe(Date.UTC(2024, 1, 1));
  });

  it('the next interval start, months by the calendar', () => {
    expect(nextTime(t, parseFreq('1h'))).toBe(Date.UTC(2024, 1, 29, 14));
    expect(nextTime(t, parseFreq('1MS'))).toBe(Date.UTC(2024, 2, 1));
    expect(nextTime(Date.UTC(2024, 11, 31), parseFreq('1MS'))).toBe(Date.UTC(2025, 0, 1));
  });
});

describe('time text', () => {
  it('parses dates, date-times, zones and epochs; NaN for the rest', () => {
    expect(parseTime('2017-01-01')).toBe(Date.UTC(2017, 0, 1));
    expect(parseTime('2020-02-01 00:00:00')).toBe(Date.UTC(2020, 1, 1));
    expect(parseTime('2024-01-01T02:00:00+02:00')).toBe(Date.UTC(2024, 0, 1));
    expect(parseTime('2024-01-01T00:00:00.250Z')).toBe(Date.UTC(2024, 0, 1) + 250);
    expect(parseTime('1704067200')).toBe(1704067200000);
    expect(parseTime('1704067200000')).toBe(1704067200000);
    expect(parseTime('1735689600000000')).toBe(1735689600000);
    expect(parseTime('yesterday')).toBeNaN();
    expect(parseTime('')).toBeNaN();
  });

  it('epochs in s, ms and µs are told apart by size', () => {
    expect(epochToMs(1_735_689_600)).toBe(1_735_689_600_000);
    expect(epochToMs(1_735_689_600_000)).toBe(1_735_689_600_000);
    expect(epochToMs(1_735_689_659_999_999)).toBe(1_735_689_659_999);
  });

  it('formats as the CSV files write it', () => {
    expect(formatTime(Date.UTC(2024, 0, 2, 3, 4, 5))).toBe('2024-01-02 03:04:05');
    expect(formatTime(NaN)).toBe('');
  });
});
