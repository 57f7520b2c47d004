import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { Outbox } from '../../src/bot/outbox.ts';
import type { BotServices } from '../../src/bot/services.ts';
import { defaultSubscriber } from '../../src/bot/state.ts';
import type { FakeMessage } from '../fakes/telegram.ts';
import { ADMIN, SAMPLE_SCORE_OUTPUT, USER, startHarness, type Harness } from './harness.ts';

/**
 * A bot of several symbols (BTCUSDT at 74,896 and ETHUSDT at 2,071, fake services): commands
 * name a symbol (matched forgivingly), /score alone lists the symbols a chat follows, /train all
 * trains each in turn, and subscriptions are per symbol.
 */
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(100).fill(7)]);
const textOf = (m: FakeMessage) => m.text ?? m.caption ?? '';
const calls: string[] = [];

function symbolServices(symbol: string, close: number, score: number): BotServices {
  const config = buildConfig({ symbol, freq: '1h', output_sets: [SAMPLE_SCORE_OUTPUT] }, { env: {} }).config;
  return {
    config,
    latestScore: async () => ({ symbol, freq: '1h', time: Date.now() - 2 * 3_600_000, close, score }),
    status: async () => ({ lastCandleTime: Date.UTC(2025, 2, 1, 10), lagMs: 60_000, models: [{ name: 'high_20_lc', trainedAt: Date.now() - 3_600_000 }], tradingMode: 'paper' }),
    chart: async (hours) => {
      calls.push(`chart ${symbol} ${hours}`);
      return { png: PNG, caption: `${symbol} ${hours} h` };
    },
    train: async (progress) => {
      progress({ stage: 'train high_20_lc', done: 1, total: 1 });
      calls.push(`train ${symbol}`);
      return { summary: `Trained ${symbol}.`, metrics: { high_20_lc: { auc: symbol === 'BTCUSDT' ? 0.7 : 0.6 } } };
    },
    backtest: async (req) => {
      calls.push(`backtest ${symbol} ${JSON.stringify(req)}`);
      return { summary: `Backtest of ${symbol}.` };
    },
  };
}

let h: Harness;
const ask = (text: string, user = USER, pred: (m: FakeMessage) => boolean = () => true) => h.ask(user, text, pred).then(textOf);

beforeAll(async () => {
  const symbols = new Map([
    ['BTCUSDT', symbolServices('BTCUSDT', 74896.99, 0.0123)],
    ['ETHUSDT', symbolServices('ETHUSDT', 2071.4, -0.0071)],
  ]);
  h = await startHarness({ services: { symbols } });
});
afterAll(async () => {
  await h.close();
});

describe('the commands of a bot of several symbols', () => {
  it('/score SYMBOL answers for that symbol, named, in any spelling', async () => {
    for (const typed of ['eth', 'ETH/USDT', 'ETHUSDT']) {
      const t = await ask(`/score ${typed}`);
      expect(t).toMatch(/^#ETHUSDT 〈 Ξ 2,071 Indicator: -0\.01 +weak 1h\nBand: -1 \(weak\)\nCandle: /);
    }
    expect(await ask('/score btc')).toMatch(/^#BTCUSDT 〉〉 ₿ 74,896 Indicator: \+0\.01 +strong 1h\n/);
    expect(await ask('/score doge')).toBe('"doge" is not a symbol served here (BTCUSDT, ETHUSDT)');
  });

  it('/score alone: a line per symbol the chat follows, every symbol when it follows none or all', async () => {
    const all = await ask('/score');
    expect(all.split('\n')).toEqual([
      expect.stringMatching(/^#BTCUSDT 〉〉 ₿ 74,896 Indicator: \+0\.01/),
      expect.stringMatching(/^#ETHUSDT 〈 Ξ 2,071 Indicator: -0\.01/),
      '/score SYMBOL shows one in full; /subscribe SYMBOL picks yours.',
    ]);
    await ask('/subscribe eth');
    const mine = await ask('/score');
    expect(mine.split('\n')).toEqual([expect.stringMatching(/^#ETHUSDT /), '/score SYMBOL shows one in full.']);
    await ask('/unsubscribe');
  });

  it('subscriptions are per symbol, each with its band; /unsubscribe SYMBOL keeps the others', async () => {
    expect(await ask('/subscribe eth 2')).toMatch(/^Subscribed to ETHUSDT\. You will receive:\nScores: on for ETHUSDT \(score messages from band 2 up\)\n/);
    expect(await ask('/subscribe BTC/USDT')).toMatch(/Scores: on for ETHUSDT \(score messages from band 2 up\), BTCUSDT \(every score message\)/);
    const state = () => h.itb.runtime.state.data.subscribers[String(USER.id)];
    expect(state()!.symbols).toEqual({ ETHUSDT: 2, BTCUSDT: 0 });
    expect(await ask('/unsubscribe eth')).toBe('Unsubscribed from ETHUSDT. You still follow BTCUSDT (every score message).');
    expect(await ask('/unsubscribe btc')).toBe('Unsubscribed from BTCUSDT: no more broadcasts here. /subscribe brings them back.');
    expect(state()).toBeUndefined();
    // A band alone: every symbol, from that band.
    expect(await ask('/subscribe zone')).toMatch(/^Subscribed to every symbol\. .*\nScores: on for every symbol \(score messages from band 3 up\)/s);
    expect(state()!.symbols).toEqual({ '*': 3 });
    expect(await ask('/unsubscribe eth')).toBe('You follow every symbol; /unsubscribe stops all of them, or /subscribe SYMBOL follows single ones instead.');
    await ask('/unsubscribe');
  });

  it('/chart and /backtest need the symbol; /status gives a line per symbol or one in full', async () => {
    expect(await ask('/chart')).toBe('Name a symbol: /chart SYMBOL [hours] (symbols: BTCUSDT, ETHUSDT)');
    expect(await ask('/chart 48 eth', USER, (m) => m.photoBytes !== undefined)).toBe('ETHUSDT 48 h');
    expect(await ask('/chart ehh')).toBe('"ehh" is not a symbol served here (BTCUSDT, ETHUSDT)');
    expect(calls).toContain('chart ETHUSDT 48');
    const overview = await ask('/status');
    expect(overview.split('\n').slice(0, 3)).toEqual([
      'BTCUSDT · candle 2025-03-01 10:00 · lag 1 min · models 1 h 0 min · paper',
      'ETHUSDT · candle 2025-03-01 10:00 · lag 1 min · models 1 h 0 min · paper',
      '/status SYMBOL shows one in full.',
    ]);
    expect(await ask('/status eth')).toMatch(/^ETHUSDT · 1h\nLast candle: 2025-03-01 10:00 UTC\n/);
    expect(await ask('/backtest 7d', ADMIN)).toBe('Name a symbol: /backtest SYMBOL [period] [name=value …] (symbols: BTCUSDT, ETHUSDT)');
    await ask('/backtest eth 7d', ADMIN, (m) => /✅ Backtest ETHUSDT over 7d/.test(textOf(m)));
    expect(calls).toContain('backtest ETHUSDT {"params":{},"period":"7d"}');
  });

  it('/train all trains each symbol in turn as one job; /help shows the symbol argument', async () => {
    expect(await ask('/train', ADMIN)).toBe('Name a symbol: /train SYMBOL|all (symbols: BTCUSDT, ETHUSDT)');
    const done = await ask('/train all', ADMIN, (m) => m.history.some((t) => t.startsWith('✅')));
    expect(done).toMatch(/^✅ Training 2 symbols finished in \d+s\nAll 2 symbols done\.\nBTCUSDT: Trained BTCUSDT\.\nETHUSDT: Trained ETHUSDT\.\n\nBTCUSDT high_20_lc: auc 0\.7000\nETHUSDT high_20_lc: auc 0\.6000$/);
    expect(calls.filter((c) => c.startsWith('train'))).toEqual(['train BTCUSDT', 'train ETHUSDT']);
    expect(await ask('/help score')).toMatch(/^\/score \[SYMBOL\]\nShows the latest score .* A bot of several symbols: \/score SYMBOL/);
    expect(await ask('/start')).toMatch(/^Hello! I post machine-learning trade signals for BTCUSDT, ETHUSDT \(1min candles\)\./);
  });
});

describe('the publisher of several symbols', () => {
  const eth = buildConfig({ symbol: 'ETHUSDT', freq: '1h', output_sets: [SAMPLE_SCORE_OUTPUT] }, { env: {} }).config;
  const texts = (chat: string | number) => h.fake.chat(chat).map(textOf);

  it('posts each symbol to its channel, named, and to the subscribers who follow it', async () => {
    const pub = h.itb.publisher;
    pub.addSymbol({ config: h.config, tag: '#BTCUSDT ', channel: '-100777' });
    pub.addSymbol({ config: eth, tag: '#ETHUSDT ', channel: '@eth_signals' });
    const subs = h.itb.runtime.state.data.subscribers;
    const follower = (id: number, symbols?: Record<string, number>) => (subs[String(id)] = { ...defaultSubscriber(id, `u${id}`), ...(symbols ? { symbols } : {}) });
    follower(7001, { BTCUSDT: 0 });
    follower(7002, { ETHUSDT: 0 });
    follower(7003, { '*': 0 });
    follower(7004, { ETHUSDT: 3 }); // the zone only
    const t = Date.UTC(2025, 2, 1, 10);
    await pub.publishScore('output_sets[0]', { time: t, close: 2071.4, score: -0.0071 }, 'ETHUSDT');
    await pub.publishScore('output_sets[0]', { time: t, close: 74896.99, score: 0.0123 }, 'BTCUSDT');
    await h.fake.waitForMessage(7003, (m) => textOf(m).startsWith('#BTCUSDT'));
    expect(texts('@eth_signals')).toEqual([expect.stringMatching(/^#ETHUSDT 〈 Ξ 2,071 Indicator: -0\.01 ↑ +weak 1h$/)]);
    expect(texts('-100777').filter((x) => x.startsWith('#'))).toEqual([expect.stringMatching(/^#BTCUSDT \*?〉〉 ₿ 74,896/)]);
    expect(texts(7001)).toEqual([expect.stringMatching(/^#BTCUSDT /)]);
    expect(texts(7002)).toEqual([expect.stringMatching(/^#ETHUSDT /)]);
    expect(texts(7003).sort()).toEqual([expect.stringMatching(/^#BTCUSDT /), expect.stringMatching(/^#ETHUSDT /)]);
    expect(texts(7004)).toEqual([]);
    // Any other post of a symbol (a trade) reaches its followers only, whatever their band.
    pub.publishText('⚡💰 *BOUGHT 0.5 ETH*', { markdown: true, symbol: 'ETHUSDT' });
    await h.fake.waitForMessage(7004, () => true);
    await h.fake.waitForMessage(7002, (m) => textOf(m).includes('BOUGHT'));
    expect(texts(7001)).toEqual([expect.stringMatching(/^#BTCUSDT /)]);
    expect(texts(7004)).toEqual(['#ETHUSDT ⚡💰 *BOUGHT 0.5 ETH*']);
    // Each symbol's band is its own; the bot's own symbol keeps the key of a bot of one symbol.
    expect(h.itb.runtime.state.data.scoreBands).toMatchObject({ 'output_sets[0]': 2, 'ETHUSDT/output_sets[0]': -1 });
    for (const id of [7001, 7002, 7003, 7004]) delete subs[String(id)];
  });

  it('more than digest_above score posts of one tick reach a chat as one digest post', async () => {
    const pub = h.itb.publisher;
    const symbols = ['AAAUSDT', 'BBBUSDT', 'CCCUSDT', 'DDDUSDT', 'EEEUSDT'];
    for (const symbol of symbols) {
      pub.addSymbol({ config: buildConfig({ symbol, freq: '1h', output_sets: [SAMPLE_SCORE_OUTPUT] }, { env: {} }).config, tag: `#${symbol} `, channel: '-100555' });
    }
    const subs = h.itb.runtime.state.data.subscribers;
    subs['7101'] = { ...defaultSubscriber(7101, 'two'), symbols: { AAAUSDT: 0, BBBUSDT: 0 } };
    const batch = pub.openBatch();
    expect(batch).not.toBeNull();
    const t = Date.UTC(2025, 2, 1, 11);
    for (const [i, symbol] of symbols.entries()) await pub.publishScore('output_sets[0]', { time: t, close: 10 + i, score: 0.02 }, symbol);
    // Held until the tick is over, and the bands written once, then.
    await new Promise((r) => setTimeout(r, 100));
    expect(texts('-100555')).toEqual([]);
    const bands = () => (JSON.parse(fs.readFileSync(path.join(h.stateDir, 'bot-state.json'), 'utf8')) as { scoreBands: Record<string, number> }).scoreBands;
    expect(bands()['EEEUSDT/output_sets[0]']).toBeUndefined();
    await pub.closeBatch(batch);
    expect(bands()['EEEUSDT/output_sets[0]']).toBe(3);
    await h.fake.waitForMessage('-100555', () => true);
    await h.fake.waitForMessage(7101, (m) => textOf(m).startsWith('#BBBUSDT'));
    const digest = texts('-100555');
    expect(digest).toHaveLength(1);
    expect(digest[0]!.split('\n')).toEqual(['📊 5 symbols · 2025-03-01 12:00 UTC', ...symbols.map((s) => expect.stringMatching(new RegExp(`^#${s} \\*〉〉〉📈 ${s} `)))]);
    // A chat that gets two posts of the tick gets them as they are.
    expect(texts(7101)).toEqual([expect.stringMatching(/^#AAAUSDT /), expect.stringMatching(/^#BBBUSDT /)]);
    delete subs['7101'];
  });

  it('posts held for a digest when the process stops are sent as they are at the next start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-held-'));
    const box = Outbox.open(dir);
    box.enqueue([{ chatId: -1, kind: 'text', text: 'a', topic: 'score' }], { hold: 'tick-1', once: 'score:a' });
    box.enqueue([{ chatId: -1, kind: 'text', text: 'b', topic: 'score' }], { hold: 'tick-1', once: 'score:b' });
    expect(box.pending).toBe(2);
    // The process dies before the tick's release.
    const again = Outbox.open(dir);
    expect(again.pending).toBe(2);
    const sent: string[] = [];
    again.start(async (item) => {
      sent.push(item.text!);
      return { status: 'sent' };
    });
    return again.idle().then(() => {
      expect(sent).toEqual(['a', 'b']);
      expect(again.has('score:a')).toBe(true);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });
});
