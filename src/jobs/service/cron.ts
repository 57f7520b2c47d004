import { UserError } from '../../shared/errors.ts';
import { DAY, HOUR, MINUTE, parseFreq, type Freq } from '../../core/time.ts';

/**
 * When the tick of a bar frequency runs (UTC): the original's cron table (spec §7.1). The
 * offset past the bar boundary leaves the exchange time to close the candle.
 */
export interface TickSchedule {
  /** node-schedule cron with seconds: `sec min hour day-of-month month day-of-week`. */
  cron: string;
  /** Delay after the start of a bar at which the tick fires. */
  offsetMs: number;
  freq: Freq;
}

export function tickSchedule(freqAlias: string): TickSchedule {
  const freq = parseFreq(freqAlias);
  const m = /^\s*(\d*)\s*([a-zA-Z]+)\s*$/.exec(freqAlias)!;
  const n = m[1] ? Number(m[1]) : 1;
  const unit = m[2]!;
  const every = n === 1 ? '*' : `*/${n}`;
  if (/^(min|t|m)$/i.test(unit)) {
    if (60 % n !== 0) throw unsupported(freqAlias);
    return { cron: `1 ${every} * * * *`, offsetMs: 1000, freq };
  }
  if (/^h$/i.test(unit)) {
    if (24 % n !== 0) throw unsupported(freqAlias);
    return { cron: `20 0 ${every} * * *`, offsetMs: 20_000, freq };
  }
  if (/^d$/i.test(unit)) {
    if (n !== 1) throw unsupported(freqAlias);
    return { cron: '0 1 0 * * *', offsetMs: MINUTE, freq };
  }
  if (/^w$/i.test(unit) && n === 1) return { cron: '0 0 1 * * 1', offsetMs: HOUR, freq };
  if (unit === 'MS' && n === 1) return { cron: '0 0 1 1 * *', offsetMs: HOUR, freq };
  throw unsupported(freqAlias);
}

function unsupported(alias: string): UserError {
  return new UserError(
    `freq "${alias}" cannot be scheduled by the service (supported: Nmin with N dividing 60, Nh with N dividing 24, 1D, 1W, 1MS)`,
  );
}

/**
 * The first fire time strictly after `t` of a schedule, by calendar arithmetic. The simulated
 * clock of replay mode uses it; live mode uses node-schedule with `cron`, which agrees with it.
 */
export function nextFireTime(t: number, s: TickSchedule): number {
  const { freq, offsetMs } = s;
  let barStart = floorBar(t - offsetMs, freq);
  let fire = barStart + offsetMs;
  while (fire <= t) {
    barStart = nextBar(barStart, freq);
    fire = barStart + offsetMs;
  }
  return fire;
}

/** Bars are aligned as the cron fields align them: minutes within the hour, hours within the day. */
function floorBar(t: number, freq: Freq): number {
  if (freq.months) {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  if (freq.ms === 7 * DAY) {
    const monday = 4 * DAY; // 1970-01-05 was a Monday
    return t - ((((t - monday) % freq.ms) + freq.ms) % freq.ms);
  }
  return t - (((t % freq.ms) + freq.ms) % freq.ms);
}

function nextBar(barStart: number, freq: Freq): number {
  if (freq.months) {
    const d = new Date(barStart);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + freq.months, 1);
  }
  return barStart + freq.ms;
}
