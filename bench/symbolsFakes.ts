/**
 * The exchange and Telegram of the symbols bench, in a process of their own (so that the bench
 * process's memory and event loop are the service's alone): the loopback Binance fake serving N
 * symbols' real 1-minute candles, and the Telegram fake. Started by symbols.bench.ts as
 * `node bin/run-ts.mjs bench/symbolsFakes.ts N FROM BARS`; prints one JSON line with the addresses,
 * answers GET /__stats (the requests each fake received), and ends when its stdin closes.
 * `… symbolsFakes.ts models FOLDER` trains the embedded config's models once on 30 days of the
 * bundled BTCUSDT minutes into FOLDER/MODELS, writes their matrix there (the features and
 * labels, for the bench's training of many symbols), and exits: here, for the bench's memory.
 *
 * The symbols' candles: the real BTCUSDT (spot, the bundled 90 days of 2025) and ETHUSDT
 * (USDⓈ-M futures, 2023, ../shared/data) minutes, alternately, each symbol starting its series
 * at an offset of its own (a day further per symbol) and with its prices scaled (1 + k/100), all
 * put onto one clock from FROM: N different real-shaped series over the same minutes.
 */
import path from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import type { Candle } from '../src/core/exchange/types.ts';
import { runSection } from '../src/core/generators/run.ts';
import { trainAll } from '../src/models/trainAll.ts';
import { writeTable } from '../src/storage/table.ts';
import type { Frame } from '../src/core/frame.ts';
import { readCsv } from '../src/storage/csv.ts';
import { startFakeBinance } from '../test/fakes/binance.ts';
import { startFakeTelegram } from '../test/fakes/telegram.ts';
import { SHARED_DATA, benchSymbol } from './lib.ts';

const ROOT = new URL('..', import.meta.url).pathname;
if (process.argv[2] === 'models') {
  const base = loadConfig(path.join(ROOT, 'src/config/samples/embedded.jsonc'), {}).config;
  const klines = readCsv(path.join(ROOT, 'data/sample/BTCUSDT/klines.csv.gz'));
  const end = klines.time[klines.length - 1]!;
  const train = klines.slice(klines.lowerBound(end - 30 * 86_400_000), klines.length - base.label_horizon);
  const config = { ...base, train: true };
  await runSection(train, config, 'feature_sets');
  await runSection(train, config, 'label_sets');
  await trainAll(config, train, { folder: path.join(process.argv[3]!, 'MODELS') });
  // The matrix they were trained on, for the bench's training of many symbols.
  const columns = [...config.train_features, ...config.labels];
  writeTable(path.join(process.argv[3]!, config.matrix_file_name), train.select(columns), { timeColumn: config.time_column });
  process.exit(0);
}
const [n, from, bars] = process.argv.slice(2).map(Number) as [number, number, number];
const DAY_BARS = 1440;

function series(f: Frame, trades: string, quoteVolume: string): (i: number) => Candle {
  const [o, h, l, c, v, t, q] = ['open', 'high', 'low', 'close', 'volume', trades, quoteVolume].map((name) => f.get(name));
  return (i) => ({ time: 0, open: o![i]!, high: h![i]!, low: l![i]!, close: c![i]!, volume: v![i]!, trades: t![i]!, quoteVolume: q![i]! });
}

const btc = readCsv(path.join(ROOT, 'data/sample/BTCUSDT/klines.csv.gz'));
const eth = readCsv(path.join(SHARED_DATA, 'ETHUSDT-1m-futures.csv.gz'), { timeColumn: 'open_time' });
const sources = [
  { rows: btc.length, at: series(btc, 'trades', 'quote_av') },
  { rows: eth.length, at: series(eth, 'number_of_trades', 'quote_asset_volume') },
];
const binance = await startFakeBinance({ now: from + (bars + 1) * 60_000 });
for (let k = 0; k < n; k++) {
  const src = sources[k % 2]!;
  const offset = Math.floor(k / 2) * DAY_BARS;
  if (offset + bars > src.rows) throw new Error(`not enough candles for symbol ${k}`);
  const scale = 1 + k / 100;
  const candles: Candle[] = [];
  for (let i = 0; i < bars; i++) {
    const c = src.at(offset + i);
    candles.push({ ...c, time: from + i * 60_000, closeTime: from + i * 60_000 + 59_999, open: c.open * scale, high: c.high * scale, low: c.low * scale, close: c.close * scale });
  }
  binance.setCandles(benchSymbol(k), candles);
}
const telegram = await startFakeTelegram();
binance.addRoute({
  method: 'GET',
  path: '/__stats',
  handle: () => ({
    body: {
      klines: binance.requests.filter((r) => r.path === '/api/v3/klines').map((r) => ({ at: r.receivedAt, limit: Number(r.query.get('limit')) })),
      sends: telegram.attempts.map((a) => ({ at: a.time, chat: a.chat_id, method: a.method, outcome: a.outcome })),
    },
  }),
});
process.stdout.write(`${JSON.stringify({ binance: binance.url, telegram: telegram.apiRoot, token: telegram.token })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await binance.close();
  await telegram.close();
  process.exit(0);
});
