import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TransactionLog } from '../../src/core/trader/transactionLog.ts';

const tmpFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'itb-tx-')), 'BTCUSDT', 'transactions.txt');

describe("the original's transactions.txt", () => {
  it('starts with the seed line and appends alternating transactions with the leg profit', () => {
    const log = new TransactionLog(tmpFile());
    const t = Date.UTC(2025, 0, 6, 10, 1);
    expect(log.record('SELL', 100_000, t)).toBeUndefined(); // the seed is a SELL: a second SELL is ignored
    expect(log.record('BUY', 100_000, t)).toEqual({ time: t, price: 100_000, profit: 0, status: 'BUY' });
    expect(log.record('BUY', 99_000, t + 60_000)).toBeUndefined();
    expect(log.record('SELL', 101_500.5, t + 120_000)!.profit).toBeCloseTo(1500.5, 6);
    expect(log.record('BUY', 101_000, t + 180_000)!.profit).toBeCloseTo(500.5, 6); // a short leg: previous price − this one
    expect(fs.readFileSync(log.file, 'utf8')).toBe(
      [
        '2020-01-01 00:00:00,0.0,0.0,SELL',
        '2025-01-06 10:01:00,100000.000000,0.000000,BUY',
        '2025-01-06 10:03:00,101500.500000,1500.500000,SELL',
        '2025-01-06 10:04:00,101000.000000,500.500000,BUY',
        '',
      ].join('\n'),
    );
  });

  it('reads timestamps written by the original (with a zone)', () => {
    const file = tmpFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      ['2020-01-01 00:00:00,0.0,0.0,SELL', '2024-12-01 10:00:00+00:00,90000.000000,0.000000,BUY', '2025-01-20 10:00:00+00:00,99000.000000,9000.000000,SELL', ''].join('\n'),
    );
    const log = new TransactionLog(file);
    expect(log.read().map((t) => [t.time, t.status])).toEqual([
      [Date.UTC(2020, 0, 1), 'SELL'],
      [Date.UTC(2024, 11, 1, 10), 'BUY'],
      [Date.UTC(2025, 0, 20, 10), 'SELL'],
    ]);
    expect(log.last()).toMatchObject({ price: 99_000, profit: 9000 });
  });
});
