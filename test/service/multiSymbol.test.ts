import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig, loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { runSection } from '../../src/core/generators/run.ts';
import { HOUR, formatTime, parseTime } from '../../src/core/time.ts';
import { trainAll } from '../../src/models/trainAll.ts';
import { readCsv } from '../../src/storage/csv.ts';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.ts';
import { itb, killStrays } from './cliService.ts';

/**
 * The "done when": `itb serve -c btc.jsonc -c eth.jsonc` replays BTCUSDT and ETHUSDT
 * (the bundled 1h slices of real candles) on one clock with one bot against the Telegram fake:
 * /score ETHUSDT answers with ETH's price and score, /score BTCUSDT with BTC's, the channel gets
 * posts of both (each named), a subscriber to ETH gets ETH's only, and a subscriber of the
 * former one-symbol bot (BTCUSDT's bot-state.json) follows BTCUSDT only.
 */
const SLICE = (symbol: string) => path.resolve(`data/sample/demo-2symbols/${symbol}/klines.csv.gz`);
const START = '2023-11-27 00:00:00';
const END = '2023-11-28 00:00:00';
const CHANNEL = '-100777';
const ADMIN = { id: 1, first_name: 'Ada' };
const ETH_FAN = { id: 2001, first_name: 'Eve' };
const OLD_SUBSCRIBER = 3001;

let dir = '';
let telegram: FakeTelegram;

/** One symbol's config file of the original's shape (no `symbols`): the demo's definitions on that symbol's slice. */
function symbolConfig(symbol: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { symbols: _, ...demo } = JSON.parse(JSON.stringify(loadConfig('src/config/samples/demo-2symbols.jsonc', {}).config)) as Record<string, unknown>;
  return {
    ...demo,
    symbol,
    data_folder: dir,
    data_sources: [{ folder: symbol, file: 'klines', column_prefix: '' }],
    // 200 ms a bar: the chat's commands are answered while the day is replayed.
    replay: { file: SLICE(symbol), speed: 18_000, start: START, end: END },
    ...extra,
  };
}

async function trainBeforeStart(raw: Record<string, unknown>): Promise<void> {
  const config: Config = buildConfig(raw, { env: {} }).config;
  const klines = readCsv(config.replay.file);
  const train = klines.slice(0, klines.lowerBound(parseTime(START) - config.label_horizon * HOUR));
  await runSection(train, config, 'feature_sets');
  await runSection(train, config, 'label_sets');
  await trainAll(config, train, { concurrency: 1 });
}

function writeJsonc(name: string, raw: Record<string, unknown>): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `// ${name}\n${JSON.stringify(raw, null, 1)}\n`);
  return file;
}

/** The close of a symbol's candle, as the channel's format prints it (`2,071`). */
function closeAt(symbol: string, candle: string): string {
  const k = readCsv(SLICE(symbol));
  const i = k.lowerBound(parseTime(candle));
  expect(k.time[i]).toBe(parseTime(candle));
  return Math.trunc(k.get('close')[i]!).toLocaleString('en-US');
}

/** The trade_score the service stored for a bar (its scores history), as the message prints it (`+0.04`). */
function scoreAt(symbol: string, candle: string): string {
  const lines = fs.readFileSync(path.join(dir, symbol, 'state', 'scores.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { time: string; trade_score: number });
  const row = lines.find((l) => l.time === `${candle}:00`);
  expect(row, `a scored bar at ${candle}`).toBeDefined();
  const v = row!.trade_score;
  return `${v >= 0 ? '+' : '-'}${Math.abs(v).toFixed(2)}`;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-multi-'));
  telegram = await startFakeTelegram();
  await trainBeforeStart(symbolConfig('BTCUSDT'));
  await trainBeforeStart(symbolConfig('ETHUSDT'));
  // The bot state of the BTCUSDT bot this operator ran before, with one subscriber.
  fs.mkdirSync(path.join(dir, 'BTCUSDT', 'state'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'BTCUSDT', 'state', 'bot-state.json'),
    JSON.stringify({
      subscribers: { [OLD_SUBSCRIBER]: { chatId: OLD_SUBSCRIBER, name: 'Old', since: '2025-01-01T00:00:00.000Z', minBand: 0, scores: true, signals: true, diagram: true, trades: true, quietHours: null } },
      audit: [],
      scoreBands: {},
      blockedRemoved: 0,
    }),
  );
}, 120_000);

afterAll(async () => {
  killStrays();
  await telegram?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('itb serve -c btc.jsonc -c eth.jsonc: two symbols, one process, one bot', () => {
  it('answers /score per symbol, posts both to the channel, and sends a subscriber only the symbols they follow', async () => {
    const btc = writeJsonc('btc.jsonc', symbolConfig('BTCUSDT'));
    const eth = writeJsonc('eth.jsonc', symbolConfig('ETHUSDT'));
    // Queued before the start: the bot reads it as soon as it polls.
    telegram.userSays(ETH_FAN, '/subscribe eth');
    const env = { TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot, TELEGRAM_ADMINS: String(ADMIN.id), TELEGRAM_CHANNEL: CHANNEL };
    const p = itb(['serve', '-c', btc, '-c', eth], env);
    // Once a few bars were scored: /score of each symbol.
    await p.waitForLog(/tick ETHUSDT 2023-11-27 0[3-9]:00/);
    telegram.userSays(ADMIN, '/score ETHUSDT');
    telegram.userSays(ADMIN, '/score BTCUSDT');
    // The traders of both symbols are one account: /trade names a symbol first (or after), or covers both.
    telegram.userSays(ADMIN, '/trade eth status');
    telegram.userSays(ADMIN, '/trade status');
    const { code } = await p.exited;
    expect(p.stderr).not.toMatch(/"level":50/);
    expect(code).toBe(0);

    // /score names the symbol and shows that symbol's price and stored score of its newest candle.
    const answers = telegram.chat(ADMIN.id).map((m) => m.text ?? '');
    for (const [symbol, glyph] of [['ETHUSDT', 'Ξ'], ['BTCUSDT', '₿']] as const) {
      const answer = answers.find((t) => t.startsWith(`#${symbol} `));
      expect(answer, `the /score ${symbol} answer`).toBeDefined();
      const candle = /Candle: (\d{4}-\d\d-\d\d \d\d:\d\d) UTC/.exec(answer!)![1]!;
      expect(answer).toContain(`${glyph} ${closeAt(symbol, candle)} Indicator: ${scoreAt(symbol, candle)}`);
    }

    // /trade eth status: ETH's trader; /trade status: both symbols and the trades open on their one account.
    expect(answers.find((t) => t.startsWith('Trading ETHUSDT: paper'))).toMatch(/^Trading ETHUSDT: paper.*\nOpen orders: \d+/);
    expect(answers.find((t) => t.startsWith('BTCUSDT: paper'))).toMatch(/^BTCUSDT: paper.*\nETHUSDT: paper.*\nOpen trades: \d of max_open_trades 2/);
    // One paper wallet for both, in their data folder; itb trades opens the account the same way.
    expect(fs.existsSync(path.join(dir, 'paper-wallet.json'))).toBe(true);
    const trades = (...args: string[]) => execFileSync(process.execPath, ['bin/itb.mjs', 'trades', '-c', btc, '-c', eth, ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'error' } });
    const report = trades('3');
    expect(report).toMatch(/^Account \(paper\): BTCUSDT, ETHUSDT · open trades \d of max_open_trades 2/);
    expect(report.match(/^Balance:/gm)).toHaveLength(1);
    expect(report).toContain('\n\nTrader BTCUSDT: mode paper');
    expect(report).toContain('\n\nTrader ETHUSDT: mode paper');
    const ethReport = trades('--symbol', 'eth', '3').split('\n');
    expect(ethReport[0]).toMatch(/^Trader ETHUSDT: mode paper/);
    expect(ethReport[1]).toMatch(/^Balance: USDT /);

    // The channel: posts of both symbols, each named.
    const channel = telegram.chat(CHANNEL).map((m) => m.text ?? '');
    expect(channel.filter((t) => t.startsWith('#BTCUSDT ')).length).toBeGreaterThan(0);
    expect(channel.filter((t) => t.startsWith('#ETHUSDT ')).length).toBeGreaterThan(0);
    expect(channel.filter((t) => !/^#(BTC|ETH)USDT /.test(t))).toEqual([]);

    // The ETH subscriber: ETH's posts and nothing of BTC's.
    const fan = telegram.chat(ETH_FAN.id).map((m) => m.text ?? '');
    expect(fan[0]).toMatch(/^Subscribed to ETHUSDT\./);
    expect(fan.filter((t) => t.startsWith('#ETHUSDT ')).length).toBeGreaterThan(0);
    expect(fan.filter((t) => t.includes('BTCUSDT') || t.includes('₿'))).toEqual([]);

    // The subscriber of the former BTCUSDT bot follows BTCUSDT (at their band), and gets nothing of ETH's.
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'BTCUSDT', 'state', 'bot-state.json'), 'utf8')) as { subscribers: Record<string, { symbols?: Record<string, number> }> };
    expect(state.subscribers[OLD_SUBSCRIBER]!.symbols).toEqual({ BTCUSDT: 0 });
    expect(state.subscribers[ETH_FAN.id]!.symbols).toEqual({ ETHUSDT: 0 });
    const old = telegram.chat(OLD_SUBSCRIBER).map((m) => m.text ?? '');
    expect(old.filter((t) => t.startsWith('#BTCUSDT ')).length).toBeGreaterThan(0);
    expect(old.filter((t) => t.includes('ETHUSDT') || t.includes('Ξ'))).toEqual([]);

    // Each symbol kept its own state and history, every bar of the replay on the one clock.
    for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
      const service = JSON.parse(fs.readFileSync(path.join(dir, symbol, 'state', 'service.json'), 'utf8')) as { lastBarTime: number };
      expect(formatTime(service.lastBarTime)).toBe('2023-11-27 23:00:00');
    }
    expect(fs.existsSync(path.join(dir, 'ETHUSDT', 'state', 'bot-state.json'))).toBe(false);
  }, 120_000);

  it('a config of one symbol keeps its messages: no symbol tag, /score as before', async () => {
    const one = path.join(dir, 'one');
    const raw = { ...symbolConfig('BTCUSDT'), data_folder: one };
    fs.cpSync(path.join(dir, 'BTCUSDT', 'MODELS'), path.join(one, 'BTCUSDT', 'MODELS'), { recursive: true });
    const user = { id: 4001, first_name: 'Solo' };
    telegram.userSays(user, '/score');
    const channelBefore = telegram.chat('-100888').length;
    const p = itb(['serve', '-c', writeJsonc('one.jsonc', raw)], { TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot, TELEGRAM_CHANNEL: '-100888' });
    expect((await p.exited).code).toBe(0);
    const posts = telegram.chat('-100888').slice(channelBefore).map((m) => m.text ?? '');
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.filter((t) => t.includes('#'))).toEqual([]);
    expect(posts[0]).toMatch(/^\S*.*₿ \d{2},\d{3} Indicator: [+-]\d\.\d\d/);
    const answer = telegram.chat(user.id).map((m) => m.text ?? '')[0]!;
    expect(answer).toMatch(/^.*₿ \d{2},\d{3} Indicator: [+-]\d\.\d\d.*\nBand: /);
    expect(answer).not.toContain('#');
  }, 120_000);
});
