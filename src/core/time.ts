import { UserError } from '../shared/errors.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A pandas-style frequency alias understood by this project. */
export interface Freq {
  /** The alias as written in the config, e.g. `1min`, `5min`, `1h`, `1D`, `1W`, `1MS`. */
  alias: string;
  /** Nominal length in ms (a month counts as 30 days for arithmetic that needs a number). */
  ms: number;
  /** Calendar months (for `MS`); 0 for fixed-length frequencies. */
  months: number;
  /** ccxt timeframe string, e.g. `1m`, `1h`, `1d`. */
  timeframe: string;
}

const UNITS: Record<string, { ms: number; tf: string }> = {
  min: { ms: MINUTE, tf: 'm' },
  t: { ms: MINUTE, tf: 'm' },
  h: { ms: HOUR, tf: 'h' },
  d: { ms: DAY, tf: 'd' },
  w: { ms: 7 * DAY, tf: 'w' },
};

/** Parses `1min`, `5min`, `1h`, `4H`, `1D`, `1W`, `1MS` (and `1m` as minutes). */
export function parseFreq(alias: string): Freq {
  const m = /^\s*(\d*)\s*([a-zA-Z]+)\s*$/.exec(alias ?? '');
  if (!m) throw new UserError(`freq "${alias}" is not a frequency (expected e.g. 1min, 5min, 1h, 1D, 1W, 1MS)`);
  const n = m[1] ? Number(m[1]) : 1;
  const unitRaw = m[2]!;
  if (unitRaw === 'MS' || unitRaw === 'M') {
    return { alias, ms: n * 30 * DAY, months: n, timeframe: `${n}M` };
  }
  const unit = unitRaw.toLowerCase() === 'm' ? 'min' : unitRaw.toLowerCase();
  const u = UNITS[unit];
  if (!u || n <= 0) throw new UserError(`freq "${alias}" is not a frequency (expected e.g. 1min, 5min, 1h, 1D, 1W, 1MS)`);
  return { alias, ms: n * u.ms, months: 0, timeframe: `${n}${u.tf}` };
}

/** Start of the interval containing t (UTC). Weeks start on Monday, as Binance's do. */
export function floorTime(t: number, freq: Freq): number {
  if (freq.months) {
    const d = new Date(t);
    const months = d.getUTCFullYear() * 12 + d.getUTCMonth();
    const start = months - (months % freq.months);
    return Date.UTC(Math.floor(start / 12), start % 12, 1);
  }
  if (freq.ms % (7 * DAY) === 0) {
    const monday = 4 * DAY; // 1970-01-05 was a Monday
    return t - ((((t - monday) % freq.ms) + freq.ms) % freq.ms);
  }
  return t - (((t % freq.ms) + freq.ms) % freq.ms);
}

/** Next interval start after the one that contains t. */
export function nextTime(t: number, freq: Freq): number {
  if (freq.months) {
    const d = new Date(floorTime(t, freq));
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + freq.months, 1);
  }
  return floorTime(t, freq) + freq.ms;
}

/** `2024-12-01 00:00:00` (UTC, the layout written to CSV files). */
export function formatTime(t: number): string {
  if (!Number.isFinite(t)) return '';
  const iso = new Date(t).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/**
 * Parses a time given by a person or a file: ISO date or date-time (space or `T`, optional
 * fraction and zone; no zone means UTC), or a number of epoch seconds, milliseconds or
 * microseconds (told apart by magnitude). Returns NaN when it is not a time.
 */
export function parseTime(text: string): number {
  const s = text.trim();
  if (!s) return NaN;
  if (/^-?\d+(\.\d+)?$/.test(s)) return epochToMs(Number(s));
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return NaN;
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  let t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, m[4] ? +m[4] : 0, m[5] ? +m[5] : 0, m[6] ? +m[6] : 0, ms);
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * HOUR + Number(digits.slice(2, 4)) * MINUTE);
  }
  return t;
}

/** Epoch seconds, ms or µs → ms, by magnitude (valid for dates between 1973 and 2286). */
export function epochToMs(v: number): number {
  const a = Math.abs(v);
  if (a >= 1e14) return Math.floor(v / 1000); // microseconds
  if (a >= 1e11) return v; // milliseconds
  return v * 1000; // seconds
}
