import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { frameFromRows } from '../../src/core/frame.ts';
import { parseTime, MINUTE } from '../../src/core/time.ts';
import { writeCsv } from '../../src/storage/csv.ts';
import { log } from '../../src/shared/log.ts';
import { silentProgress } from '../../src/shared/progress.ts';
import { run } from '../../src/app/output.ts';
import { startFakeTelegram } from '../fakes/telegram.ts';

let dir = '';
afterEach(() => {
  vi.restoreAllMocks();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const T = parseTime('2025-11-20 10:14:00');

function setup(scores: number[], extra: Record<string, unknown> = {}, buy = 0, last = T) {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-output-'));
  const config = buildConfig(
    {
      ...extra,
      data_folder: dir,
      symbol: 'BTCUSDT',
      freq: '1min',
      output_sets: [
        {
          generator: 'score_notification_model',
          config: {
            score_notification: true,
            score_column_names: ['trade_score'],
            notify_band_up: true,
            notify_band_dn: true,
            positive_bands: [{ edge: 0.015, frequency: 2, sign: '〉〉〉📈', bold: true, text: 'BUY ZONE' }],
            negative_bands: [{ edge: -0.015, frequency: 2, sign: '〈〈〈📉', bold: true, text: 'SELL ZONE' }],
          },
        },
        ...((extra.output_sets as unknown[]) ?? []),
      ],
    },
    { env: {} },
  ).config;
  const write = (rows: number[]) =>
    writeCsv(
      path.join(dir, 'BTCUSDT', 'signals.csv'),
      frameFromRows(
        rows.map((s, i) => ({ timestamp: last - (rows.length - 1 - i) * MINUTE, open: 74000, high: 75000, low: 73000, close: 74896.5, volume: 10, trade_score: s, buy_signal_column: buy, sell_signal_column: 0 })),
      ),
    );
  write(scores);
  return { ctx: { config, configFile: '', args: [], log: log(), progress: silentProgress }, write };
}

function capture() {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

describe('itb output: output_sets on the last row of signals.csv', () => {
  it('posts the band message of the last row and remembers the band for the next run', async () => {
    const { ctx, write } = setup([0.0, 0.02]);
    const lines = capture();
    expect(await run(ctx)).toBe(0);
    // The first run has no previous band: the original sends (both directions count as a change).
    expect(lines.join('')).toBe('📣 *〉〉〉📈 ₿ 74,896 Indicator: +0.02 ↑   BUY ZONE 1min*\n');
    // Same band again, and the close time 10:15 is off the band's 2-minute frequency: nothing is sent.
    write([0.02, 0.021, 0.03]);
    lines.length = 0;
    expect(await run({ ...ctx })).toBe(0);
    expect(lines.join('')).toBe('');
  });

  it('paces a notifier with min_gap_minutes on the terminal too: a change inside the gap waits in the state for the next run’s post', async () => {
    const { ctx } = setup([0.0, -0.02]);
    Object.assign(ctx.config.output_sets[0]!.config, { min_gap_minutes: 30 });
    const lines = capture();
    const lastRow = (score: number, at: number) =>
      writeCsv(path.join(dir, 'BTCUSDT', 'signals.csv'), frameFromRows([{ timestamp: at, open: 1, high: 1, low: 1, close: 74896.5, volume: 1, trade_score: score, buy_signal_column: 0, sell_signal_column: 0 }]));
    expect(await run(ctx)).toBe(0); // 10:15 close: SELL ZONE, posted
    lastRow(-0.01, T + 5 * MINUTE); // out of the band 5 minutes later: held
    expect(await run(ctx)).toBe(0);
    lastRow(-0.01, T + 40 * MINUTE); // the gap is over: posted with the held change
    expect(await run(ctx)).toBe(0);
    expect(lines.join('')).toBe(
      '📣 *〈〈〈📉 ₿ 74,896 Indicator: -0.02 ↑   SELL ZONE 1min*\n📣 ₿ 74,896 Indicator: -0.01 ↓   1min\n1 band change since 10:15 UTC: no band 10:20\n',
    );
  });

  it('posts through the Telegram bot when a token is set', async () => {
    const telegram = await startFakeTelegram();
    try {
      const { ctx } = setup([0.0, -0.02], { telegram: { token: telegram.token, api_root: telegram.apiRoot, channel: '@out' } });
      expect(await run(ctx)).toBe(0);
      expect(telegram.chat('@out').map((m) => m.text)).toEqual(['*〈〈〈📉 ₿ 74,896 Indicator: -0.02 ↑   SELL ZONE 1min*']);
    } finally {
      await telegram.close();
    }
  });

  it('judges each of two score notifiers on its own score column and keeps each one its own band', async () => {
    const telegram = await startFakeTelegram();
    try {
      const second = {
        generator: 'score_notification_model',
        config: {
          score_column_names: ['other_score'],
          notify_band_up: true,
          notify_band_dn: true,
          positive_bands: [{ edge: 0.5, sign: '⬆', text: 'HIGH' }],
          negative_bands: [{ edge: -0.5, sign: '⬇', text: 'LOW' }],
        },
      };
      const { ctx } = setup([0.0], { output_sets: [second], telegram: { token: telegram.token, api_root: telegram.apiRoot, channel: '@two' } });
      /** signals.csv with both score columns, its last row at `last`. */
      const write = (rows: Array<[number, number]>, last: number) =>
        writeCsv(
          path.join(dir, 'BTCUSDT', 'signals.csv'),
          frameFromRows(rows.map(([a, b], i) => ({ timestamp: last - (rows.length - 1 - i) * MINUTE, open: 74000, high: 75000, low: 73000, close: 74896.5, volume: 10, trade_score: a, other_score: b }))),
        );
      write([[0.0, 0.2], [-0.02, 0.7]], T);
      expect(await run(ctx)).toBe(0);
      expect(telegram.chat('@two').map((m) => m.text)).toEqual([
        '*〈〈〈📉 ₿ 74,896 Indicator: -0.02 ↑   SELL ZONE 1min*',
        '⬆ ₿ 74,896 Indicator: +0.70 ↑   HIGH 1min',
      ]);
      const bands = () => (JSON.parse(fs.readFileSync(path.join(dir, 'BTCUSDT', 'state', 'bot-state.json'), 'utf8')) as { scoreBands: Record<string, number> }).scoreBands;
      expect(bands()).toEqual({ 'output_sets[0]': -1, 'output_sets[1]': 1 });
      // Two bars on: the first stays in its band (close minute 10:17 is off its 2-minute frequency:
      // no post), the second leaves its band (a post, going down).
      write([[-0.02, 0.7], [-0.021, 0.1]], T + 2 * MINUTE);
      expect(await run(ctx)).toBe(0);
      expect(telegram.chat('@two').map((m) => m.text).slice(2)).toEqual(['₿ 74,896 Indicator: +0.10 ↓   1min']);
      expect(bands()).toEqual({ 'output_sets[0]': -1, 'output_sets[1]': 0 });
    } finally {
      await telegram.close();
    }
  });

  it('hands the buy signal of the last row to the paper trader (a fresh row: stale data is never traded)', async () => {
    const lastClosed = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
    const { ctx } = setup([0.0, 0.02], { output_sets: [{ generator: 'trader_simulation', config: {} }], trader: { mode: 'paper' } }, 1, lastClosed);
    capture();
    expect(await run(ctx)).toBe(0);
    const trader = JSON.parse(fs.readFileSync(path.join(dir, 'BTCUSDT', 'trader.json'), 'utf8')) as { books: { paper: { status: string } } };
    expect(trader.books.paper.status).toBe('BUYING');
  });

  it('runs several symbols as the service does: each post tagged, their traders on one paper wallet; --symbol picks one', async () => {
    const lastClosed = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
    const { ctx } = setup([0.0, 0.02], { output_sets: [{ generator: 'trader_simulation', config: {} }], trader: { mode: 'paper' } }, 1, lastClosed);
    const eth = { ...ctx.config, symbol: 'ETHUSDT', data_sources: [{ ...ctx.config.data_sources[0]!, folder: 'ETHUSDT' }] };
    fs.mkdirSync(path.join(dir, 'ETHUSDT'));
    fs.copyFileSync(path.join(dir, 'BTCUSDT', 'signals.csv'), path.join(dir, 'ETHUSDT', 'signals.csv'));
    const symbols = [ctx.config, eth].map((config) => ({ config, file: '', label: config.symbol }));
    const lines = capture();
    expect(await run({ ...ctx, symbols, symbolArgs: ['eth'] })).toBe(0);
    expect(lines.join('')).toMatch(/^📣 #ETHUSDT \*〉〉〉📈 Ξ .* BUY ZONE 1min\*\n/);
    expect(lines.join('')).not.toContain('BTCUSDT');
    expect(await run({ ...ctx, symbols })).toBe(0);
    expect(lines.join('')).toMatch(/📣 #BTCUSDT \*〉〉〉📈 ₿ /);
    const status = (symbol: string) => (JSON.parse(fs.readFileSync(path.join(dir, symbol, 'trader.json'), 'utf8')) as { books: { paper: { status: string } } }).books.paper.status;
    expect([status('BTCUSDT'), status('ETHUSDT')]).toEqual(['BUYING', 'BUYING']);
    // One wallet for both: each buy order holds its share of the one quote balance.
    const wallet = JSON.parse(fs.readFileSync(path.join(dir, 'paper-wallet.json'), 'utf8')) as { balances: Record<string, { free: number; locked: number }> };
    expect(wallet.balances.USDT!.free + wallet.balances.USDT!.locked).toBeCloseTo(1000, 6);
    expect(wallet.balances.USDT!.free).toBeLessThan(100);

    // A symbol that fails is named and the others still run; the exit code says one failed.
    fs.rmSync(path.join(dir, 'ETHUSDT', 'signals.csv'));
    writeCsv(path.join(dir, 'BTCUSDT', 'signals.csv'), frameFromRows([{ timestamp: lastClosed + MINUTE, open: 74896.5, high: 74896.5, low: 74896.5, close: 74896.5, volume: 1, trade_score: 0.001, buy_signal_column: 0, sell_signal_column: 0 }]));
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((text: string) => void errors.push(text));
    lines.length = 0;
    expect(await run({ ...ctx, symbols })).toBe(1);
    expect(errors).toEqual([expect.stringMatching(/^ETHUSDT: failed: .*signals\.csv does not exist/)]);
    // (out of the BUY ZONE: a band change whatever the minute)
    expect(lines.join('')).toMatch(/📣 #BTCUSDT ₿ 74,896 Indicator: \+0\.00 ↓/);
  });

  it('says what to do when signals.csv is missing', async () => {
    const { ctx } = setup([0.1]);
    fs.rmSync(path.join(dir, 'BTCUSDT', 'signals.csv'));
    await expect(run(ctx)).rejects.toThrow(/signals\.csv does not exist/);
  });
});
