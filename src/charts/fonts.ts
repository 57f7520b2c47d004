import { fileURLToPath } from 'node:url';
import { GlobalFonts } from '@napi-rs/canvas';

/** The font shipped in assets/fonts (charts must not depend on the fonts of the machine). */
export const CHART_FONT_FAMILY = 'DejaVu Sans';
const FONT_FILE = fileURLToPath(new URL('../../assets/fonts/DejaVuSans.ttf', import.meta.url));

let registered = false;

/** Registers the shipped font once; returns its family name for chart options. */
export function chartFont(): string {
  if (!registered) {
    if (!GlobalFonts.registerFromPath(FONT_FILE, CHART_FONT_FAMILY)) throw new Error(`cannot load the chart font ${FONT_FILE}`);
    registered = true;
  }
  return CHART_FONT_FAMILY;
}
