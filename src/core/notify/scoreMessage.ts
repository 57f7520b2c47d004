import { bandChange, findScoreBand, shouldNotify, type BandMatch, type ScoreNotificationConfig } from './scoreBand.ts';
import { escapeMarkdown } from './markdown.ts';
import { pyIntThousands, pySignedFixed } from './pyFormat.ts';
import { symbolGlyph } from './symbolGlyph.ts';

/** The last row as the score notifier sees it. */
export interface ScoreRow {
  symbol: string;
  /** The config's `freq` alias, printed at the end of the message. */
  freq: string;
  /** Bar close time (open time + interval), epoch ms UTC. */
  closeTime: number;
  close: number;
  score: number;
  /** The optional second score column. */
  score2?: number;
}

export interface ScoreNotification {
  bandNo: number;
  band: BandMatch['band'];
  /** Whether the original would send a message for this row. */
  send: boolean;
  /** The text in legacy Markdown (bold bands wrapped in `*`). */
  text: string;
}

/**
 * The original's score message: `{sign} {glyph} {close:,} Indicator: {score:+.2f} {arrow}  {score2} {text} {freq}`,
 * bold when the band says so; without a band `{glyph} {close:,} Indicator: {score:+.2f} {arrow}  {score2} {freq}`.
 * The original replaced "+" by "%2B" only because it built the URL by hand; sent properly, the text keeps "+".
 */
export function formatScoreMessage(row: ScoreRow, match: BandMatch, arrow: '↑' | '↓' | ''): string {
  const glyph = escapeMarkdown(symbolGlyph(row.symbol));
  const primary = `${pySignedFixed(row.score, 2)} ${arrow} `;
  const secondary = row.score2 === undefined ? '' : pySignedFixed(row.score2, 2);
  const price = pyIntThousands(row.close);
  const band = match.band;
  if (!band) return `${glyph} ${price} Indicator: ${primary} ${secondary} ${escapeMarkdown(row.freq)}`;
  const body = `${escapeMarkdown(band.sign ?? '')} ${glyph} ${price} Indicator: ${primary} ${secondary} ${escapeMarkdown(band.text ?? '')} ${escapeMarkdown(row.freq)}`;
  return band.bold ? `*${body}*` : body;
}

/**
 * Decides and formats one tick of the score notifier. `prevBandNo` is the band of the previous
 * tick (null on the very first); the caller persists the returned `bandNo` for the next one.
 */
export function scoreNotification(row: ScoreRow, cfg: ScoreNotificationConfig, prevBandNo: number | null): ScoreNotification {
  const match = findScoreBand(row.score, cfg.positiveBands, cfg.negativeBands);
  const change = bandChange(match.bandNo, prevBandNo);
  const send = shouldNotify(cfg, match, change, row.closeTime);
  const arrow = change.up ? '↑' : change.down ? '↓' : '';
  return { bandNo: match.bandNo, band: match.band, send, text: formatScoreMessage(row, match, arrow) };
}
