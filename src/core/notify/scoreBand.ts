import { UserError } from '../../shared/errors.ts';

/** One band of the original's `score_notification_model`: scores at or beyond `edge` fall into it. */
export interface ScoreBand {
  edge: number;
  /** Also notify every `frequency` minutes (close_time.minute % frequency == 0) while in this band. */
  frequency?: number;
  sign?: string;
  bold?: boolean;
  text?: string;
}

/** The `config` object of a `score_notification_model` output, validated. */
export interface ScoreNotificationConfig {
  /** Where it came from, e.g. `output_sets[0]`: the key of its persisted previous band. */
  key: string;
  scoreColumns: string[];
  notifyBandUp: boolean;
  notifyBandDown: boolean;
  positiveBands: ScoreBand[];
  negativeBands: ScoreBand[];
  /** Our keys on top of the original's (see bandPacing.ts); null when none is set: the original's rules, unchanged. */
  pacing: ScorePacing | null;
}

/**
 * How a notifier paces its posts (keys of our own): at most one post per `minGapMs` and
 * `dailyCap` posts per UTC day, band changes held back meanwhile come in the next post;
 * `zoneSummary` posts a quiet summary when the score leaves the outermost band of a side;
 * `hysteresis` keeps a band until the score has passed its inner edge by that much.
 */
export interface ScorePacing {
  minGapMs: number;
  /** 0 = no cap. */
  dailyCap: number;
  zoneSummary: boolean;
  /** Score units a band is left by: the score must pass the band's inner edge by this much (0 = at the edge, the original's). */
  hysteresis: number;
}

/**
 * A band number: 1…n for positive bands (n = the highest edge), −1…−m for negative bands
 * (−m = the lowest edge), 0 when the score is in no band.
 */
export interface BandMatch {
  bandNo: number;
  band: ScoreBand | null;
}

/**
 * The original's `_find_score_band`: the highest positive edge with score ≥ edge, else the
 * lowest negative edge with score < edge (strict), else band 0.
 */
export function findScoreBand(score: number, positive: readonly ScoreBand[], negative: readonly ScoreBand[]): BandMatch {
  const pos = [...positive].sort((a, b) => b.edge - a.edge);
  const i = pos.findIndex((b) => score >= b.edge);
  if (i >= 0) return { bandNo: pos.length - i, band: pos[i]! };
  const neg = [...negative].sort((a, b) => a.edge - b.edge);
  const j = neg.findIndex((b) => score < b.edge);
  if (j >= 0) return { bandNo: -(neg.length - j), band: neg[j]! };
  return { bandNo: 0, band: null };
}

export interface BandChange {
  up: boolean;
  down: boolean;
}

/** Up/down by absolute band number; with no previous band (first call) both are true, as in the original. */
export function bandChange(bandNo: number, prevBandNo: number | null): BandChange {
  if (prevBandNo === null) return { up: true, down: true };
  return { up: Math.abs(bandNo) > Math.abs(prevBandNo), down: Math.abs(bandNo) < Math.abs(prevBandNo) };
}

/** The original's send rule: a band change in an enabled direction, or the band's minute frequency. */
export function shouldNotify(cfg: ScoreNotificationConfig, match: BandMatch, change: BandChange, closeTimeMs: number): boolean {
  if (cfg.notifyBandUp && change.up) return true;
  if (cfg.notifyBandDown && change.down) return true;
  const frequency = match.band?.frequency;
  if (frequency) {
    const minute = new Date(closeTimeMs).getUTCMinutes();
    return minute % frequency === 0;
  }
  return false;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function parseBands(raw: unknown, where: string): ScoreBand[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new UserError(`config: key ${where}: expected a list of bands`);
  return raw.map((b, i) => {
    const at = `${where}[${i}]`;
    if (!isObj(b)) throw new UserError(`config: key ${at}: expected an object with an "edge"`);
    if (typeof b.edge !== 'number' || !Number.isFinite(b.edge)) throw new UserError(`config: key ${at}.edge: expected a number`);
    if (b.frequency !== undefined && b.frequency !== null && (typeof b.frequency !== 'number' || !Number.isInteger(b.frequency) || b.frequency < 0)) {
      throw new UserError(`config: key ${at}.frequency: expected a whole number of minutes`);
    }
    for (const k of ['sign', 'text'] as const) {
      if (b[k] !== undefined && b[k] !== null && typeof b[k] !== 'string') throw new UserError(`config: key ${at}.${k}: expected a string`);
    }
    return {
      edge: b.edge,
      frequency: typeof b.frequency === 'number' ? b.frequency : undefined,
      sign: typeof b.sign === 'string' ? b.sign : undefined,
      bold: b.bold === true,
      text: typeof b.text === 'string' ? b.text : undefined,
    };
  });
}

function parsePacing(raw: Record<string, unknown>, where: string): ScorePacing | null {
  const gap = raw.min_gap_minutes;
  const cap = raw.daily_cap;
  const zone = raw.zone_summary;
  const hysteresis = raw.band_hysteresis;
  if (gap === undefined && cap === undefined && zone === undefined && hysteresis === undefined) return null;
  if (gap !== undefined && (typeof gap !== 'number' || !Number.isFinite(gap) || gap < 0)) {
    throw new UserError(`config: key ${where}.min_gap_minutes: expected a number of minutes ≥ 0`);
  }
  if (cap !== undefined && (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 0)) {
    throw new UserError(`config: key ${where}.daily_cap: expected a whole number of posts per day (0 = no cap)`);
  }
  if (zone !== undefined && typeof zone !== 'boolean') throw new UserError(`config: key ${where}.zone_summary: expected true or false`);
  if (hysteresis !== undefined && (typeof hysteresis !== 'number' || !Number.isFinite(hysteresis) || hysteresis < 0)) {
    throw new UserError(`config: key ${where}.band_hysteresis: expected a score difference ≥ 0`);
  }
  return {
    minGapMs: ((gap as number | undefined) ?? 0) * 60_000,
    dailyCap: (cap as number | undefined) ?? 0,
    zoneSummary: zone === true,
    hysteresis: (hysteresis as number | undefined) ?? 0,
  };
}

/** Validates one `score_notification_model` config object; errors name the key path. */
export function parseScoreNotificationConfig(raw: unknown, key: string): ScoreNotificationConfig {
  const where = `${key}.config`;
  if (!isObj(raw)) throw new UserError(`config: key ${where}: expected an object`);
  const cols = raw.score_column_names;
  const scoreColumns = typeof cols === 'string' ? [cols] : Array.isArray(cols) ? cols.filter((c): c is string => typeof c === 'string') : [];
  if (!scoreColumns.length) throw new UserError(`config: key ${where}.score_column_names: expected at least one score column name`);
  return {
    key,
    scoreColumns,
    notifyBandUp: raw.notify_band_up === true,
    notifyBandDown: raw.notify_band_dn === true,
    positiveBands: parseBands(raw.positive_bands, `${where}.positive_bands`),
    negativeBands: parseBands(raw.negative_bands, `${where}.negative_bands`),
    pacing: parsePacing(raw, where),
  };
}

/**
 * Every score notifier of a config: the `score_notification_model` entries of `output_sets`,
 * or the older top-level `score_notification_model` object.
 */
export function scoreNotificationConfigs(config: { output_sets?: unknown[]; score_notification_model?: Record<string, unknown> }): ScoreNotificationConfig[] {
  const out: ScoreNotificationConfig[] = [];
  (config.output_sets ?? []).forEach((o, i) => {
    if (isObj(o) && o.generator === 'score_notification_model') out.push(parseScoreNotificationConfig(o.config ?? {}, `output_sets[${i}]`));
  });
  const legacy = config.score_notification_model;
  if (!out.length && legacy && Object.keys(legacy).length && legacy.score_notification !== false && legacy.score_column_names) {
    out.push(parseScoreNotificationConfig(legacy, 'score_notification_model'));
  }
  return out;
}
