import type { MarketRules, OrderRequest, OrderSide } from './broker.ts';

/** Decimal places of an increment such as 0.01 or 0.00001 (at most 12). */
function decimalsOf(step: number): number {
  if (!(step > 0)) return 12;
  for (let d = 0; d <= 12; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-9) return d;
  return 12;
}

/** Removes binary noise so 0.1 + 0.2 steps print as 0.3 (rounded to the increment's decimals). */
function clean(value: number, step: number): number {
  return Number(value.toFixed(decimalsOf(step)));
}

/** The price rounded half-up to the tick size. */
export function roundToTick(price: number, tickSize: number): number {
  if (!(tickSize > 0)) return price;
  return clean(Math.floor(price / tickSize + 0.5 + 1e-9) * tickSize, tickSize);
}

/** The quantity rounded down to the lot step (never more than asked for). */
export function floorToStep(quantity: number, stepSize: number): number {
  if (!(stepSize > 0)) return quantity;
  return clean(Math.floor(quantity / stepSize + 1e-9) * stepSize, stepSize);
}

/** Why the exchange would refuse this order, or undefined when it passes the market's filters. */
export function ruleViolation(req: Pick<OrderRequest, 'price' | 'quantity'>, rules: MarketRules, refPrice: number): string | undefined {
  const price = req.price ?? refPrice;
  if (!(req.quantity > 0)) return 'quantity is zero';
  if (req.quantity < rules.minQty) return `quantity ${req.quantity} is below the minimum ${rules.minQty}`;
  if (rules.stepSize > 0 && Math.abs(floorToStep(req.quantity, rules.stepSize) - req.quantity) > rules.stepSize * 1e-6)
    return `quantity ${req.quantity} is not a multiple of the lot step ${rules.stepSize}`;
  if (req.price !== undefined && rules.tickSize > 0 && Math.abs(roundToTick(req.price, rules.tickSize) - req.price) > rules.tickSize * 1e-6)
    return `price ${req.price} is not a multiple of the tick size ${rules.tickSize}`;
  if (price * req.quantity < rules.minNotional) return `order value ${(price * req.quantity).toFixed(2)} is below the minimum notional ${rules.minNotional}`;
  return undefined;
}

/**
 * A client order id derived from the signal that caused the order: the same bar and side give
 * the same id, so a retry finds the order instead of placing a second one. Fits Binance's
 * `^[.A-Z:/a-z0-9_-]{1,36}$`.
 */
export function clientOrderIdFor(symbol: string, barTime: number, side: OrderSide): string {
  const bar = Math.floor(barTime / 1000).toString(36);
  const sym = symbol.replace(/[^A-Za-z0-9]/g, '').slice(0, 36 - 8 - bar.length);
  return `itb-${sym}-${bar}-${side === 'buy' ? 'b' : 's'}`;
}

/** True for client ids this project creates (other orders on the account are not ours to manage). */
export function isOurClientOrderId(id: string): boolean {
  return id.startsWith('itb-');
}

const QUOTES = ['USDT', 'FDUSD', 'USDC', 'BUSD', 'TUSD', 'BTC', 'ETH', 'BNB', 'EUR', 'USD', 'TRY', 'BRL'];

/** BTCUSDT → {base: BTC, quote: USDT}, using config.base_asset/quote_asset when given. */
export function splitSymbol(symbol: string, baseAsset = '', quoteAsset = ''): { base: string; quote: string } {
  if (baseAsset && quoteAsset) return { base: baseAsset, quote: quoteAsset };
  const s = symbol.replace('/', '');
  const quote = quoteAsset || QUOTES.find((q) => s.endsWith(q) && s.length > q.length) || s.slice(-4);
  return { base: baseAsset || s.slice(0, s.length - quote.length), quote };
}
