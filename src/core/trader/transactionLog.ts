import fs from 'node:fs';
import path from 'node:path';
import { appendText } from '../../storage/atomic.ts';

/** One line of the original's `transactions.txt`: `timestamp,price,profit,status`. */
export interface Transaction {
  /** Epoch ms UTC (the bar's close time for signal transactions, the fill time for orders). */
  time: number;
  price: number;
  /** Per unit of the base asset, as the original computes it: a leg's price difference. */
  profit: number;
  status: 'BUY' | 'SELL';
}

const SEED = '2020-01-01 00:00:00,0.0,0.0,SELL\n';

function formatStamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** `2020-01-01 00:00:00`, `2024-06-01 12:01:00+00:00` or an ISO string → epoch ms (UTC when no zone). */
function parseStamp(text: string): number {
  const s = text.trim().replace(' ', 'T');
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
}

/**
 * The original's trade log (§7.5): alternating BUY/SELL transactions in
 * `data_folder/<symbol>/transactions.txt` with the profit of each leg per unit of the base asset.
 * Kept for tools that read the file; the channel posts report the trader's own fills instead
 * (per-unit legs of a 1 BTC simulation are not what a wallet gained or lost).
 */
export class TransactionLog {
  constructor(readonly file: string) {}

  /** Every transaction in the file, oldest first (the seed line included); creates the file with the seed. */
  read(): Transaction[] {
    if (!fs.existsSync(this.file)) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(this.file, SEED);
    }
    const out: Transaction[] = [];
    const lines = fs.readFileSync(this.file, 'utf8').split(/\r?\n/);
    for (const line of lines) {
      if (!line.trim()) continue;
      const [stamp = '', price = '', profit = '', status = ''] = line.split(',');
      const s = status.trim();
      const time = parseStamp(stamp);
      if ((s !== 'BUY' && s !== 'SELL') || !Number.isFinite(time)) continue;
      out.push({ time, price: Number(price), profit: Number(profit), status: s });
    }
    return out;
  }

  last(): Transaction | undefined {
    return this.read().at(-1);
  }

  /**
   * Applies the original's rule: a BUY is taken after a SELL (closing a short leg), a SELL after
   * a BUY (closing a long leg); anything else is ignored. Returns the appended transaction.
   */
  record(status: 'BUY' | 'SELL', price: number, time: number): Transaction | undefined {
    const prev = this.last();
    if (prev && prev.status === status) return undefined;
    const profit = !prev?.price ? 0 : status === 'BUY' ? prev.price - price : price - prev.price;
    const t: Transaction = { time, price, profit, status };
    appendText(this.file, `${formatStamp(time)},${price.toFixed(6)},${profit.toFixed(6)},${status}\n`);
    return t;
  }
}
