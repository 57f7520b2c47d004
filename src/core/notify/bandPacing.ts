import { DAY } from '../time.ts';
import { formatSpan } from '../backtest/report.ts';
import { escapeMarkdown } from './markdown.ts';
import { pyIntThousands } from './pyFormat.ts';
import { bandChange, findScoreBand, type BandMatch, type ScoreBand, type ScoreNotificationConfig } from './scoreBand.ts';
import { formatScoreMessage, scoreNotification, type ScoreRow } from './scoreMessage.ts';
import { symbolGlyph } from './symbolGlyph.ts';

/** A band change not posted yet (held back by the minimum gap or the daily cap). */
export interface HeldChange {
  /** Close time of the bar that entered the band. */
  time: number;
  bandNo: number;
}

/** The score's stay in the outermost band of a side (BUY ZONE, SELL ZONE), for its summary. */
export interface ZoneStay {
  bandNo: number;
  /** Close time and price of the bar that entered it. */
  since: number;
  sinceClose: number;
  /** When the score left it (close time and price of the first bar outside), null while inside. */
  leftAt: number | null;
  leftClose: number | null;
  /** Times it left and came back before the stay counted as ended. */
  exits: number;
}

/** What a paced notifier remembers between bars (persisted with the service or bot state). */
export interface PacingState {
  /** Band of the previous bar (the original's previous band; with hysteresis the band in force). */
  band: number | null;
  /** Close time of the last bar processed (null in older state files). */
  bar?: number | null;
  /** Close time of the last post and the band it showed. */
  lastPost: number | null;
  lastPostBand: number | null;
  /** UTC day number (time / 1 day) that `posts` counts. */
  day: number;
  posts: number;
  held: HeldChange[];
  zone: ZoneStay | null;
  /** Zone stays that ended and whose summary is not posted yet. */
  ended: ZoneStay[];
}

export interface PacedPost {
  /** Legacy Markdown. */
  text: string;
  /** A zone summary alone goes out without a notification sound. */
  silent: boolean;
  /** The highest absolute band the post speaks of (subscribers' band setting is compared with it). */
  reach: number;
  /** The band changes this post reports, oldest first (every change is in exactly one post). */
  changes: HeldChange[];
}

export interface PacedScore {
  bandNo: number;
  band: ScoreBand | null;
  post: PacedPost | null;
  state: PacingState;
}

/** Up to this many band changes are listed one by one in a post; more are counted per band. */
const LISTED_CHANGES = 4;

/** A state read back from a file (or the bare previous band of older state files) as a full state. */
export function pacingStateOf(saved: unknown): PacingState | null {
  if (saved === null || saved === undefined) return null;
  if (typeof saved === 'number') return { ...freshState(), band: saved };
  if (typeof saved !== 'object') return null;
  const s = saved as Partial<PacingState>;
  return { ...freshState(), ...s, held: [...(s.held ?? [])], ended: [...(s.ended ?? [])], zone: s.zone ? { ...s.zone } : null };
}

function freshState(): PacingState {
  return { band: null, bar: null, lastPost: null, lastPostBand: null, day: -1, posts: 0, held: [], zone: null, ended: [] };
}

/**
 * One bar of a score notifier. Without pacing keys it is the original's rule exactly (a post on a
 * band change in an enabled direction or on the band's minute `frequency`). With them:
 * - every band change in an enabled direction is recorded; it is posted at once when the last post
 *   is at least `min_gap_minutes` old and fewer than `daily_cap` posts went out this UTC day,
 *   otherwise it is held and listed in the next post (none is dropped);
 * - a `frequency` repeat goes out only when gap and cap allow (a repeat is not a change: it is
 *   skipped, not held);
 * - the post that reaches the cap says so; what happens after it comes in the first post of the
 *   next UTC day;
 * - a zone is the outermost band of a side (BUY ZONE, SELL ZONE); a stay in it ends when the score
 *   has been out of it for the minimum gap (shorter exits do not end it). The start of a new stay
 *   is posted at once whatever the gap (only the cap holds it back): it is the message people act on;
 * - with `zone_summary`, the end of a stay brings a summary: its duration and the price change
 *   from the bar that entered to the bar that left. A summary alone is posted silently;
 * - with `band_hysteresis` h, a band is entered at its edge as always but left only when the
 *   score is more than h inside its inner edge (see bandInForce): a score wavering around an
 *   edge is one change, not one per crossing;
 * - a bar at or before the last one processed (redone after a crash) posts nothing and leaves
 *   the state as it is: the decisions about it were made with the state of its time.
 */
export function paceScore(row: ScoreRow, cfg: ScoreNotificationConfig, saved: PacingState | null): PacedScore {
  const pacing = cfg.pacing;
  if (!pacing) {
    const prevBand = saved?.band ?? null;
    const n = scoreNotification(row, cfg, prevBand);
    const state = { ...(saved ?? freshState()), band: n.bandNo };
    const post = n.send ? { text: n.text, silent: false, reach: Math.max(Math.abs(n.bandNo), Math.abs(prevBand ?? 0)), changes: [] } : null;
    return { bandNo: n.bandNo, band: n.band, post, state };
  }

  const s = pacingStateOf(saved) ?? freshState();
  const t = row.closeTime;
  if (s.bar !== null && s.bar !== undefined && t <= s.bar) {
    // A bar this notifier has seen (redone after a crash lost the service's last saves): its posts
    // were decided then, and the state already counts it.
    const bandNo = s.band ?? findScoreBand(row.score, cfg.positiveBands, cfg.negativeBands).bandNo;
    return { bandNo, band: bandOf(cfg, bandNo), post: null, state: s };
  }
  s.bar = t;
  const match = bandInForce(findScoreBand(row.score, cfg.positiveBands, cfg.negativeBands), s.band, row.score, cfg, pacing.hysteresis);
  const change = sideAwareChange(match.bandNo, s.band);
  const entered = (cfg.notifyBandUp && change.up) || (cfg.notifyBandDown && change.down);
  const frequency = match.band?.frequency;
  const repeat = !entered && !!frequency && new Date(t).getUTCMinutes() % frequency === 0;
  if (entered) s.held.push({ time: t, bandNo: match.bandNo });
  const zoneStarted = followZone(s, cfg, match.bandNo, row, pacing.minGapMs);
  if (!pacing.zoneSummary) s.ended = [];
  s.band = match.bandNo;
  const today = Math.floor(t / DAY);
  if (today !== s.day) {
    s.day = today;
    s.posts = 0;
  }

  const due = s.held.length > 0 || s.ended.length > 0 || repeat;
  const gapOk = s.lastPost === null || t - s.lastPost >= pacing.minGapMs || (zoneStarted && entered);
  const capOk = !pacing.dailyCap || s.posts < pacing.dailyCap;
  if (!due || !gapOk || !capOk) return { bandNo: match.bandNo, band: match.band, post: null, state: s };

  const showsBand = s.held.length > 0 || repeat;
  const lines: string[] = [];
  let reach = 0;
  if (showsBand) {
    const arrowChange = sideAwareChange(match.bandNo, s.lastPostBand);
    lines.push(formatScoreMessage(row, match, arrowChange.up ? '↑' : arrowChange.down ? '↓' : ''));
    reach = Math.max(Math.abs(match.bandNo), Math.abs(s.lastPostBand ?? 0));
    const onlyThisBar = s.held.length === 1 && s.held[0]!.time === t;
    if (s.held.length && !onlyThisBar) lines.push(changesLine(s.held, cfg, s.lastPost, t));
    for (const h of s.held) reach = Math.max(reach, Math.abs(h.bandNo));
  }
  for (const z of s.ended) {
    lines.push(zoneLine(z, cfg, row.symbol));
    reach = Math.max(reach, Math.abs(z.bandNo));
  }
  s.posts++;
  if (pacing.dailyCap && s.posts === pacing.dailyCap) lines.push(`Daily limit of ${pacing.dailyCap} posts reached: changes until 00:00 UTC come in the next post.`);
  const post: PacedPost = { text: lines.join('\n'), silent: !showsBand, reach, changes: s.held };
  s.lastPost = t;
  if (showsBand) s.lastPostBand = match.bandNo;
  s.held = [];
  s.ended = [];
  return { bandNo: match.bandNo, band: match.band, post, state: s };
}

/**
 * The original's up/down by absolute band number, except that a jump to the band of the same
 * strength on the other side (SELL ZONE → BUY ZONE), which the original does not see, counts as up.
 */
function sideAwareChange(bandNo: number, prev: number | null): { up: boolean; down: boolean } {
  const c = bandChange(bandNo, prev);
  return prev !== null && !c.up && !c.down && bandNo !== prev ? { up: true, down: false } : c;
}

/**
 * The band a paced notifier counts the score in. A move away from 0 (into a stronger band of the
 * same side, or out of band 0) is taken at the edge, as the original does; a move towards 0 or to
 * the other side only once the score is more than `h` inside the previous band's edge (below
 * edge − h on the positive side, at or above edge + h on the negative side). Until then the
 * previous band stays in force. h = 0 is the original's band.
 */
export function bandInForce(match: BandMatch, prev: number | null, score: number, cfg: ScoreNotificationConfig, h: number): BandMatch {
  if (!h || prev === null || prev === 0 || match.bandNo === prev) return match;
  if (Math.sign(match.bandNo) === Math.sign(prev) && Math.abs(match.bandNo) > Math.abs(prev)) return match;
  const band = bandOf(cfg, prev);
  if (!band) return match;
  const left = prev > 0 ? score < band.edge - h : score >= band.edge + h;
  return left ? match : { bandNo: prev, band };
}

/** Whether the band number is the outermost band of its side. */
function isZone(cfg: ScoreNotificationConfig, bandNo: number): boolean {
  if (bandNo > 0) return bandNo === cfg.positiveBands.length;
  if (bandNo < 0) return -bandNo === cfg.negativeBands.length;
  return false;
}

/** Starts, continues or ends the stay in a zone; an ended stay waits in `ended` for its summary. True when a stay starts. */
function followZone(s: PacingState, cfg: ScoreNotificationConfig, bandNo: number, row: ScoreRow, settleMs: number): boolean {
  const t = row.closeTime;
  const inZone = isZone(cfg, bandNo);
  const z = s.zone;
  if (z) {
    if (bandNo === z.bandNo) {
      if (z.leftAt !== null) {
        z.exits++;
        z.leftAt = null;
        z.leftClose = null;
      }
    } else if (z.leftAt === null) {
      z.leftAt = t;
      z.leftClose = row.close;
    }
    // Ended once it has stayed out for the gap, or at once when the other side's zone begins.
    if (z.leftAt !== null && (t - z.leftAt >= settleMs || inZone)) {
      s.ended.push(z);
      s.zone = null;
    }
  }
  if (!inZone || s.zone) return false;
  s.zone = { bandNo, since: t, sinceClose: row.close, leftAt: null, leftClose: null, exits: 0 };
  return true;
}

/** The band of a band number under this config (null for band 0 or a band the config no longer has). */
function bandOf(cfg: ScoreNotificationConfig, bandNo: number): ScoreBand | null {
  if (bandNo > 0) return [...cfg.positiveBands].sort((a, b) => b.edge - a.edge)[cfg.positiveBands.length - bandNo] ?? null;
  if (bandNo < 0) return [...cfg.negativeBands].sort((a, b) => a.edge - b.edge)[cfg.negativeBands.length + bandNo] ?? null;
  return null;
}

/** "〈〈〈📉 SELL ZONE", "no band" for band 0. */
function bandName(cfg: ScoreNotificationConfig, bandNo: number): string {
  if (bandNo === 0) return 'no band';
  const band = bandOf(cfg, bandNo);
  const name = [band?.sign, band?.text].filter((x) => x).join(' ');
  return escapeMarkdown(name || `band ${bandNo}`);
}

function clock(t: number, sameDayAs: number): string {
  const iso = new Date(t).toISOString();
  return Math.floor(t / DAY) === Math.floor(sameDayAs / DAY) ? iso.slice(11, 16) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/**
 * "3 band changes since 12:30 UTC: 〈〈 strong 12:34 · 〈〈〈📉 SELL ZONE 12:40 · 〈〈 strong 12:52"; more
 * than a few are counted per band, strongest positive first: "〈 weak ×5 (first 12:31) · no band ×4 (first 12:33)".
 */
function changesLine(held: HeldChange[], cfg: ScoreNotificationConfig, lastPost: number | null, now: number): string {
  let parts: string[];
  if (held.length <= LISTED_CHANGES) {
    parts = held.map((h) => `${bandName(cfg, h.bandNo)} ${clock(h.time, now)}`);
  } else {
    const byBand = new Map<number, { count: number; first: number }>();
    for (const h of held) {
      const b = byBand.get(h.bandNo);
      if (b) b.count++;
      else byBand.set(h.bandNo, { count: 1, first: h.time });
    }
    parts = [...byBand]
      .sort((a, b) => b[0] - a[0])
      .map(([bandNo, b]) => (b.count === 1 ? `${bandName(cfg, bandNo)} ${clock(b.first, now)}` : `${bandName(cfg, bandNo)} ×${b.count} (first ${clock(b.first, now)})`));
  }
  const since = lastPost === null ? '' : ` since ${clock(lastPost, now)} UTC`;
  return `${held.length} band change${held.length === 1 ? '' : 's'}${since}: ${parts.join(' · ')}`;
}

/** "〈〈〈📉 SELL ZONE ended: 6h 10m, -1.19 % (₿ 91,042 → 89,950)". */
function zoneLine(z: ZoneStay, cfg: ScoreNotificationConfig, symbol: string): string {
  const until = z.leftAt ?? z.since;
  const end = z.leftClose ?? z.sinceClose;
  const change = (100 * (end - z.sinceClose)) / z.sinceClose;
  const exits = z.exits ? `, left briefly ${z.exits}×` : '';
  const glyph = escapeMarkdown(symbolGlyph(symbol));
  return `${bandName(cfg, z.bandNo)} ended: ${formatSpan(until - z.since)}, ${change >= 0 ? '+' : ''}${change.toFixed(2)} % (${glyph} ${pyIntThousands(z.sinceClose)} → ${pyIntThousands(end)})${exits}`;
}
