import { UserError } from '../shared/errors.ts';

/*
 * A symbol as a person names it, matched to the symbols served (pure: the CLI's --symbol, the
 * chat's commands through bot/symbols.ts, the trading account's commands in core/trader/control.ts).
 */

/** Quote assets a bare base name may be completed with (`eth` → ETHUSDT), the usual ones first. */
const QUOTES = ['USDT', 'USDC', 'FDUSD', 'BUSD', 'TUSD', 'USD', 'EUR', 'BTC', 'ETH', 'BNB'];

/** `eth/usdt`, `ETH-USDT`, `BTC/USDT:USDT` → `ETHUSDT`, `BTCUSDT` (the original's spelling). */
export function normalizeSymbol(s: string): string {
  return s.split(':')[0]!.toUpperCase().replace(/[\s/_-]+/g, '');
}

/**
 * The symbol a person means among `symbols`: the exact symbol in any spelling (`ETHUSDT`,
 * `eth/usdt`), or its base asset (`eth`, `ETH`) when one served symbol has it. Anything else is
 * one sentence naming what is served.
 */
export function matchSymbol(input: string, symbols: readonly string[]): string {
  const wanted = normalizeSymbol(input);
  const exact = symbols.find((s) => normalizeSymbol(s) === wanted);
  if (exact) return exact;
  const byBase = symbols.filter((s) => {
    const n = normalizeSymbol(s);
    return n.startsWith(wanted) && QUOTES.includes(n.slice(wanted.length));
  });
  if (byBase.length === 1) return byBase[0]!;
  if (byBase.length > 1) {
    const ranked = [...byBase].sort((a, b) => QUOTES.indexOf(normalizeSymbol(a).slice(wanted.length)) - QUOTES.indexOf(normalizeSymbol(b).slice(wanted.length)));
    throw new UserError(`"${input}" could be ${ranked.join(' or ')}: name the whole symbol`);
  }
  throw new UserError(`"${input}" is not a symbol served here (${describeSymbols(symbols)})`);
}

/** Whether `input` names one of `symbols` (as matchSymbol would find it). */
export function isSymbol(input: string, symbols: readonly string[]): boolean {
  try {
    matchSymbol(input, symbols);
    return true;
  } catch {
    return false;
  }
}

/** `BTCUSDT, ETHUSDT` or `BTCUSDT, ETHUSDT … and 97 more`. */
export function describeSymbols(symbols: readonly string[], shown = 12): string {
  if (symbols.length <= shown) return symbols.join(', ');
  return `${symbols.slice(0, shown).join(', ')} … and ${symbols.length - shown} more`;
}
