/** The original's short symbol mark in messages: ₿ for BTCUSDT, Ξ for ETHUSDT, otherwise the symbol. */
export function symbolGlyph(symbol: string): string {
  if (symbol === 'BTCUSDT') return '₿';
  if (symbol === 'ETHUSDT') return 'Ξ';
  return symbol;
}
