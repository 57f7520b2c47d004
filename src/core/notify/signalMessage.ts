import { escapeMarkdown } from './markdown.ts';
import { pyIntThousands, pySignedFixed } from './pyFormat.ts';
import { symbolGlyph } from './symbolGlyph.ts';

export type SignalSide = 'BUY' | 'SELL';

export interface SignalEvent {
  side: SignalSide;
  symbol: string;
  close: number;
  score: number;
  /** The threshold the score crossed; with `iconStep` it sets how many icons lead the message. */
  threshold?: number;
  /** Score distance per extra icon (the original's `trade_icon_step`); 0 or absent = one icon. */
  iconStep?: number;
}

/**
 * The original's BUY/SELL message (v0.3–v0.6): one 🟢 (🔴 for SELL) plus one per `iconStep`
 * the score is beyond its threshold, then `*BUY: ₿ 24,518 Score: +0.12*`.
 */
export function formatSignalMessage(ev: SignalEvent): string {
  const icon = ev.side === 'BUY' ? '🟢' : '🔴';
  let icons = 1;
  if (ev.iconStep && ev.iconStep > 0 && ev.threshold !== undefined) {
    icons = Math.floor(Math.abs(ev.score - ev.threshold) / ev.iconStep) + 1;
  }
  icons = Math.min(Math.max(icons, 1), 10);
  const glyph = escapeMarkdown(symbolGlyph(ev.symbol));
  return `${icon.repeat(icons)} *${ev.side}: ${glyph} ${pyIntThousands(ev.close)} Score: ${pySignedFixed(ev.score, 2)}*`;
}
