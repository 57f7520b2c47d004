import type { Config } from '../../config/schema.ts';
import { formatTime } from '../../core/time.ts';
import type { ServiceHealth } from './signaler.ts';

/** The models in use, as /status shows them. */
export interface ModelsHealth {
  names: string[];
  /** When the oldest of them was trained (epoch ms), or null when unknown. */
  trainedAt: number | null;
  ageHours: number | null;
  expired: boolean;
  expiryHours: number;
  retraining: boolean;
  lastRetrain: { at: number; ok: boolean; message: string } | null;
}

/** Everything /status reports about the running service. */
export interface ServiceStatus extends ServiceHealth {
  venue: string;
  tradingMode: string;
  models: ModelsHealth;
  /** Wall-clock time the status was taken (the source's clock in replay). */
  now: number;
  warnings: string[];
}

/** Model age is wall-clock time (models are trained now, whatever the replay's clock says). */
export function modelsHealth(config: Config, names: string[], trainedAt: number | null, now: number, extra: Pick<ModelsHealth, 'retraining' | 'lastRetrain'>): ModelsHealth {
  const ageHours = trainedAt === null ? null : Math.max(0, (now - trainedAt) / 3_600_000);
  const expiryHours = config.service.model_expiry_hours;
  return { names, trainedAt, ageHours, expired: ageHours !== null && ageHours > expiryHours, expiryHours, ...extra };
}

/** Warnings a person should act on, one sentence each. */
export function statusWarnings(s: Omit<ServiceStatus, 'warnings'>): string[] {
  const w: string[] = [];
  if (s.models.expired) w.push(`the models are ${Math.floor(s.models.ageHours!)} h old, older than service.model_expiry_hours (${s.models.expiryHours} h): retrain them`);
  if (s.staleSince !== null) w.push(`no new candle since ${formatTime(s.lastBarTime ?? NaN)} UTC: the data is stale and is not scored`);
  if (s.gapAffectedUntil !== null && s.lastBarTime !== null && s.lastBarTime <= s.gapAffectedUntil) {
    const g = s.gaps[s.gaps.length - 1];
    w.push(`candles were missing${g ? ` from ${formatTime(g.from)} UTC (${g.missingBars})` : ''}: no alerts or trades until ${formatTime(s.gapAffectedUntil)} UTC`);
  }
  if (s.failure) w.push(`ticks are failing since ${formatTime(s.failure.since)} UTC (${s.failure.count}×): ${s.failure.message}`);
  return w;
}

/** A score with sign and 4 decimals; a 0/1 signal as is. */
export function formatValue(v: number): string {
  if (v === 0 || v === 1) return String(v);
  return `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
}
