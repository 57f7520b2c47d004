import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotServices, TradingMode } from '../../src/bot/services.ts';
import type { FakeMessage } from '../fakes/telegram.ts';
import { ADMIN, USER, startHarness, type Harness } from './harness.ts';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(200).fill(7)]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const textOf = (m: FakeMessage) => m.text ?? m.caption ?? '';

function fakeServices(calls: string[]) {
  const trader = { mode: 'paper' as TradingMode, openOrders: 2 };
  const services: BotServices = {
    now: () => Date.now() + 3 * 3_600_000, // a replay clock ahead of the wall clock
    latestScore: async () => ({ symbol: 'BTCUSDT', freq: '1min', time: Date.now() - 90_000, close: 74896.99, score: 0.0123, modelTrainedAt: Date.now() - 5 * 3_600_000 }),
    status: async () => ({ lastCandleTime: Date.UTC(2025, 2, 1, 10, 0), lagMs: 30_000, models: [{ name: 'high_20_lc', trainedAt: Date.now() - 3 * 3_600_000 }, { name: 'low_20_lc' }], tradingMode: trader.mode }),
    chart: async (hours) => {
      calls.push(`chart ${hours}`);
      return { png: PNG, caption: `BTCUSDT ${hours} h` };
    },
    download: async (progress) => {
      for (let i = 0; i <= 4; i++) {
        progress({ stage: 'download BTCUSDT', done: i * 100, total: 400, unit: 'rows' });
        await sleep(20);
      }
      return { summary: 'Downloaded 400 new candles up to 2025-03-01 10:00.' };
    },
    train: async (progress, signal) => {
      for (let i = 0; i <= 10; i++) {
        signal.throwIfAborted();
        progress({ stage: i < 6 ? 'train high_20_lc' : 'train low_20_lc', done: i, total: 10, unit: 'models' });
        await sleep(100);
      }
      calls.push('train');
      return { summary: 'Trained 2 models on 129,600 rows.', metrics: { high_20_lc: { auc: 0.71234, ap: 0.4 }, low_20_lc: { auc: 0.69 } } };
    },
    backtest: async (req, progress) => {
      calls.push(`backtest ${JSON.stringify(req)}`);
      progress({ stage: 'backtest', done: 1, total: 2 });
      return { summary: 'Net profit 12.30% in 41 trades.', png: PNG };
    },
    trader: {
      status: async () => ({ mode: trader.mode, state: 'BOUGHT', openOrders: trader.openOrders, position: '0.012 BTC' }),
      setMode: async (m) => {
        calls.push(`setMode ${m}`);
        trader.mode = m;
        return `Trading mode is now ${m}.`;
      },
      balance: async () => ({ USDT: { free: 1000.5 }, BTC: { free: 0.01, locked: 0.002 }, ETH: { free: 0 }, BNB: { free: 0.1 + 0.2 } }),
      profit: async () => ({ trades: 4, wins: 3, losses: 1, profitQuote: 42.5, profitPercent: 4.25, quoteAsset: 'USDT', maxDrawdownPercent: 1.5 }),
      trades: async (n) => [
        ...Array.from({ length: Math.min(n, 3) }, (_, i) => ({ time: Date.UTC(2025, 2, 1, i), side: i % 2 ? 'SELL' as const : 'BUY' as const, price: 80000 + i, profitPercent: i % 2 ? 1.5 : undefined })),
        ...(n > 3 ? [{ time: Date.UTC(2025, 2, 1, 5), side: 'BUY' as const, price: 80100, amount: 0.001 + 0.002, mode: 'live' as const, adjustment: true }] : []),
      ],
      cancelAll: async () => {
        calls.push('cancelAll');
        const n = trader.openOrders;
        trader.openOrders = 0;
        return n;
      },
    },
    reload: async () => 'Reloaded config: nothing changed.',
    logs: async (n) => Array.from({ length: n }, (_, i) => `log line ${i} token=${h.fake.token}`),
  };
  return { services, trader };
}

let h: Harness;
const calls: string[] = [];
let trader: { mode: TradingMode; openOrders: number };

beforeAll(async () => {
  const f = fakeServices(calls);
  trader = f.trader;
  h = await startHarness({ services: f.services });
});
afterAll(async () => {
  await h.close();
});

const auditHas = (pred: (a: { userId: number; command: string; outcome: string; detail?: string }) => boolean) =>
  h.fake.waitUntil(() => h.itb.runtime.state.data.audit.some(pred), 5000, 'an audit entry');

describe('user commands', () => {
  it('/start welcomes and its button subscribes', async () => {
    const m = await h.ask(USER, '/start');
    expect(textOf(m)).toContain('machine-learning trade signals for BTCUSDT');
    expect(m.reply_markup?.inline_keyboard?.[0]?.[0]?.text).toBe('🔔 Subscribe');
    h.fake.pressButton(USER, m, m.reply_markup!.inline_keyboard![0]![0]!.callback_data!);
    await h.fake.waitUntil(() => textOf(m).startsWith('Subscribed.'), 5000, 'the welcome message edited');
    expect(h.itb.runtime.state.data.subscribers[String(USER.id)]).toMatchObject({ chatId: USER.id, minBand: 0, scores: true });
  });

  it('/help lists user commands only, and explains one', async () => {
    const m = await h.ask(USER, '/help');
    expect(textOf(m)).toContain('/score');
    expect(textOf(m)).not.toContain('/train');
    expect(textOf(await h.ask(USER, '/help chart'))).toContain('/chart [hours]\nSends a PNG');
    expect(textOf(await h.ask(USER, '/help train'))).toBe('There is no command /train for you; send /help for the list.');
  });

  it('/score shows the original headline, band, candle and model age', async () => {
    const m = await h.ask(USER, '/score');
    expect(m.parse_mode).toBe('Markdown');
    const lines = textOf(m).split('\n');
    expect(lines[0]).toBe('〉〉 ₿ 74,896 Indicator: +0.01    strong 1min');
    expect(lines[1]).toBe('Band: 2 (strong)');
    expect(lines[2]).toMatch(/^Candle: \d{4}-\d\d-\d\d \d\d:\d\d UTC, closed 3 h [01] min ago$/);
    expect(lines[3]).toBe('Models trained 5 h 0 min ago');
  });

  it('/subscribe with a band, with a bad band', async () => {
    expect(textOf(await h.ask(USER, '/subscribe 2'))).toContain('score messages from band 2 up');
    expect(h.itb.runtime.state.data.subscribers[String(USER.id)]!.minBand).toBe(2);
    expect(textOf(await h.ask(USER, '/subscribe zone'))).toContain('from band 3 up');
    expect(textOf(await h.ask(USER, '/subscribe 7'))).toBe('"7" is not a band: use a number from 0 to 3, "all" or "zone"; usage: /subscribe [band]');
  });

  it('/settings buttons toggle signals, pick a band and cycle quiet hours, editing in place', async () => {
    const m = await h.ask(USER, '/settings');
    const button = (label: string) => m.reply_markup!.inline_keyboard!.flat().find((b) => b.text.includes(label))!.callback_data!;
    h.fake.pressButton(USER, m, button('Signals'));
    await h.fake.waitUntil(() => textOf(m).includes('BUY/SELL signals: off'), 5000, 'signals off');
    h.fake.pressButton(USER, m, button('≥1'));
    await h.fake.waitUntil(() => textOf(m).includes('from band 1 up'), 5000, 'band 1');
    h.fake.pressButton(USER, m, button('Quiet hours'));
    await h.fake.waitUntil(() => textOf(m).includes('Quiet hours: 22:00–07:00 UTC'), 5000, 'quiet hours');
    expect(h.itb.runtime.state.data.subscribers[String(USER.id)]).toMatchObject({ signals: false, minBand: 1, quietHours: [22, 7] });
    expect(textOf(await h.ask(USER, '/settings quiet 1-5'))).toContain('Quiet hours: 01:00–05:00 UTC');
    expect(textOf(await h.ask(USER, '/settings quiet 25-3'))).toContain('is not a range of UTC hours');
  });

  it('/chart sends a photo; a bad argument gets the usage', async () => {
    const m = await h.ask(USER, '/chart 6', (x) => x.photoBytes !== undefined);
    expect(m.photoBytes).toBe(PNG.length);
    expect(m.caption).toBe('BTCUSDT 6 h');
    expect(calls).toContain('chart 6');
    expect(textOf(await h.ask(USER, '/chart 9999'))).toBe('9999 is out of range (1–720); usage: /chart [hours]');
    expect(textOf(await h.ask(USER, '/chart soon'))).toBe('"soon" is not a whole number; usage: /chart [hours]');
  });

  it('/status shows candle, lag, models with age, trading mode', async () => {
    const t = textOf(await h.ask(USER, '/status'));
    expect(t).toContain('Last candle: 2025-03-01 10:00 UTC');
    expect(t).toContain('Lag: 1 min');
    expect(t).toContain('Model high_20_lc: trained 3 h 0 min ago');
    expect(t).toContain('Model low_20_lc: age unknown');
    expect(t).toContain('Trading: paper');
    expect(t).toMatch(/Bot: up .*, 1 subscribers, 0 messages waiting/);
  });

  it('unknown commands and plain text get a hint', async () => {
    expect(textOf(await h.ask(USER, '/moon'))).toBe('Unknown command /moon; send /help for the list.');
    expect(textOf(await h.ask(USER, 'hello'))).toBe('I answer commands; send /help for the list.');
  });

  it('/unsubscribe stops broadcasts', async () => {
    expect(textOf(await h.ask(USER, '/unsubscribe'))).toContain('Unsubscribed');
    expect(h.itb.runtime.state.data.subscribers[String(USER.id)]).toBeUndefined();
    expect(textOf(await h.ask(USER, '/unsubscribe'))).toBe('You were not subscribed.');
  });
});

describe('roles', () => {
  it('refuses every admin command to a user politely and audits who, what, when', async () => {
    const admin = h.itb.runtime.commands.filter((c) => c.role === 'admin');
    for (const c of admin) {
      const m = await h.ask(USER, `/${c.name}`);
      expect(textOf(m)).toBe(`Sorry, /${c.name} is for this bot's admins only. Send /help to see what you can do.`);
    }
    await auditHas((a) => a.userId === USER.id && a.command === '/logs' && a.outcome === 'refused');
    const train = h.itb.runtime.state.data.audit.find((a) => a.userId === USER.id && a.command === '/train')!;
    expect(train).toMatchObject({ name: 'Bob', outcome: 'refused' });
    expect(Date.now() - Date.parse(train.time)).toBeLessThan(60_000);
    expect(calls).not.toContain('train');
  });

  it('publishes command menus by scope: users see user commands, each admin sees all', () => {
    const byScope = (type: string) => h.fake.commandSets.find((s) => (s.scope as { type?: string })?.type === type)!;
    const users = byScope('default').commands.map((c) => c.command);
    const admins = byScope('chat');
    expect(users).toContain('score');
    expect(users).not.toContain('train');
    expect((admins.scope as { chat_id: number }).chat_id).toBe(ADMIN.id);
    expect(admins.commands.map((c) => c.command)).toEqual(expect.arrayContaining(['score', 'train', 'trade', 'logs']));
  });
});

describe('admin commands', () => {
  it('/help shows admin commands to an admin', async () => {
    expect(textOf(await h.ask(ADMIN, '/help'))).toContain('Admin commands:\n/download');
  });

  it('every user command works for an admin too', async () => {
    for (const c of h.itb.runtime.commands.filter((x) => x.role === 'user')) {
      const m = await h.ask(ADMIN, `/${c.name}`);
      expect(textOf(m), `/${c.name}`).not.toMatch(/admins only|failed|went wrong/);
    }
  });

  it('/train edits one progress message in place with stage, percent and ETA, then the metrics', async () => {
    const m = await h.ask(ADMIN, '/train');
    await h.fake.waitUntil(() => textOf(m).startsWith('✅'), 10_000, 'training to finish');
    expect(m.history[0]).toBe('⏳ Training BTCUSDT: starting…');
    const progress = m.history.filter((t) => t.startsWith('⏳ Training BTCUSDT\n'));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.some((t) => /train (high|low)_20_lc ▕[█░]+▏ \d+% · \d+\/10 models · ETA \d+s/.test(t))).toBe(true);
    expect(textOf(m)).toMatch(/^✅ Training BTCUSDT finished in \d+s\nTrained 2 models on 129,600 rows\.\n\nhigh_20_lc: auc 0\.7123 · ap 0\.4000\nlow_20_lc: auc 0\.6900$/);
    expect(h.fake.chat(ADMIN.id).filter((x) => x.text?.includes('Training BTCUSDT')).length).toBe(1);
    await auditHas((a) => a.userId === ADMIN.id && a.command === '/train' && a.outcome === 'done' && a.detail === 'Trained 2 models on 129,600 rows.');
    expect(h.itb.runtime.state.data.audit.some((a) => a.command === '/train' && a.detail === 'started')).toBe(true);
  });

  it('/train twice at once is refused while the first runs; /cancel stops it', async () => {
    const first = await h.ask(ADMIN, '/train');
    expect(textOf(await h.ask(ADMIN, '/train'))).toMatch(/^Training BTCUSDT is already running \(started by @ada_admin \d+s ago\); send \/cancel to stop it\.$/);
    expect(textOf(await h.ask(ADMIN, '/cancel'))).toBe('Stopping: Training BTCUSDT.');
    await h.fake.waitUntil(() => textOf(first) === '⏹ Training BTCUSDT was cancelled.', 5000, 'cancellation');
  });

  it('/download reports progress and the summary', async () => {
    const m = await h.ask(ADMIN, '/download');
    await h.fake.waitUntil(() => textOf(m).startsWith('✅'), 5000, 'download');
    expect(textOf(m)).toContain('Downloaded 400 new candles');
  });

  it('/backtest passes period and parameters and sends the report and chart', async () => {
    const m = await h.ask(ADMIN, '/backtest 30d buy_signal_threshold=0.02 sell_signal_threshold=-0.02');
    await h.fake.waitForMessage(ADMIN.id, (x) => x.photoBytes === PNG.length && x.caption === 'Backtest BTCUSDT over 30d');
    expect(textOf(m)).toContain('Net profit 12.30% in 41 trades.');
    expect(calls).toContain('backtest {"params":{"buy_signal_threshold":"0.02","sell_signal_threshold":"-0.02"},"period":"30d"}');
    expect(textOf(await h.ask(ADMIN, '/backtest soon'))).toContain('"soon" is neither a period');
  });

  it('/trade status, paper, and an unknown mode', async () => {
    expect(textOf(await h.ask(ADMIN, '/trade status'))).toBe('Trading: paper (BOUGHT)\nOpen orders: 2\nPosition: 0.012 BTC');
    expect(textOf(await h.ask(ADMIN, '/trade paper'))).toBe('Trading mode is now paper.');
    expect(textOf(await h.ask(ADMIN, '/trade moon'))).toBe('"moon" is not a trading mode; usage: /trade on|off|paper|live|status');
  });

  it('/trade off with open orders asks first: No cancels, an expired question does nothing, Yes cancels the orders', async () => {
    const q1 = await h.ask(ADMIN, '/trade off');
    expect(textOf(q1)).toBe('Cancel 2 open orders and stop trading?\n(This question expires in 2 s.)');
    h.fake.pressButton(ADMIN, q1, q1.reply_markup!.inline_keyboard![0]![1]!.callback_data!);
    await h.fake.waitUntil(() => textOf(q1).startsWith('✖ Cancelled'), 5000, 'No');
    expect(calls).not.toContain('cancelAll');

    const q2 = await h.ask(ADMIN, '/trade off');
    const yes2 = q2.reply_markup!.inline_keyboard![0]![0]!.callback_data!;
    await h.fake.waitUntil(() => textOf(q2).startsWith('⌛ Expired'), 5000, 'expiry');
    expect(q2.reply_markup).toBeUndefined(); // the edit removed the buttons
    h.fake.pressButton(ADMIN, q2, yes2);
    await h.fake.waitUntil(() => h.fake.answeredCallbacks.some((a) => a.text === 'This confirmation has expired; nothing was done.'), 5000, 'expired answer');
    expect(calls).not.toContain('cancelAll');

    const q3 = await h.ask(ADMIN, '/trade off');
    h.fake.pressButton(USER, q3, q3.reply_markup!.inline_keyboard![0]![0]!.callback_data!);
    await h.fake.waitUntil(() => h.fake.answeredCallbacks.some((a) => a.text === 'Only the admin who asked can answer this.'), 5000, 'refusal');
    h.fake.pressButton(ADMIN, q3, q3.reply_markup!.inline_keyboard![0]![0]!.callback_data!);
    await h.fake.waitUntil(() => textOf(q3).startsWith('✅ Cancelled'), 5000, 'Yes');
    expect(textOf(q3)).toBe('✅ Cancelled 2 orders. Trading mode is now off.');
    expect(calls.slice(-2)).toEqual(['cancelAll', 'setMode off']);
    await auditHas((a) => a.command === '/trade off' && a.outcome === 'confirmed');
    const outcomes = h.itb.runtime.state.data.audit.filter((a) => a.command === '/trade off').map((a) => a.outcome);
    expect(outcomes).toEqual(expect.arrayContaining(['asked', 'cancelled', 'expired', 'confirmed']));
    // With no open orders it stops at once.
    expect(textOf(await h.ask(ADMIN, '/trade off'))).toBe('Trading mode is now off.');
  });

  it('/trade live without exchange keys says what to set', async () => {
    expect(textOf(await h.ask(ADMIN, '/trade live'))).toContain('Live trading needs exchange keys: set EXCHANGE_API_KEY and EXCHANGE_API_SECRET');
    expect(trader.mode).toBe('off');
  });

  it('/balance, /profit, /trades', async () => {
    // amounts as the exchange keeps them (8 decimals), without float noise (0.1 + 0.2)
    expect(textOf(await h.ask(ADMIN, '/balance'))).toBe('Balance (off):\nUSDT: 1000.5\nBTC: 0.01 (+0.002 in orders)\nBNB: 0.3');
    expect(textOf(await h.ask(ADMIN, '/profit'))).toBe('Closed trades: 4 (3 won, 1 lost, win rate 75.0%)\nProfit: 42.50 USDT (4.25%)\nMax drawdown: 1.50%');
    expect(textOf(await h.ask(ADMIN, '/trades 2'))).toBe('Last 2 trades:\n2025-03-01 00:00 UTC BUY @ 80000\n2025-03-01 01:00 UTC SELL @ 80001 +1.50%');
    // a position taken over at reconciliation is marked, its amount without float noise
    expect(textOf(await h.ask(ADMIN, '/trades 4')).split('\n').at(-1)).toBe('2025-03-01 05:00 UTC BUY @ 80100 × 0.003 (live, adjustment: taken over from the account)');
  });

  it('/config shows the config without any secret', async () => {
    const m = await h.ask(ADMIN, '/config');
    const all = h.fake.chat(ADMIN.id).filter((x) => x.message_id >= m.message_id).map(textOf).join('');
    expect(all).toContain('"symbol": "BTCUSDT"');
    expect(all).toContain('"token": "***"');
    expect(all).not.toContain(h.fake.token);
    expect(all).not.toContain(h.fake.apiRoot);
    const trader = textOf(await h.ask(ADMIN, '/config trader'));
    expect(trader).toMatch(/^trader: \{\n/);
    expect(trader).toContain('"initial_balances": {"USDT": 1000}');
    expect(textOf(await h.ask(ADMIN, '/config nope'))).toMatch(/^There is no config key "nope" \(keys: venue, /);
  });

  it('/reload, /users, /logs (secrets masked), /cancel with nothing running', async () => {
    expect(textOf(await h.ask(ADMIN, '/reload'))).toBe('Reloaded config: nothing changed.');
    const users = textOf(await h.ask(ADMIN, '/users'));
    expect(users).toContain('Subscribers: 0');
    expect(users).toContain('Admins: 1');
    expect(textOf(await h.ask(ADMIN, '/status'))).toMatch(/Outbox since start: \d+ sent, \d+ retried, \d+ dropped/);
    expect(textOf(await h.ask(USER, '/status'))).not.toContain('Outbox');
    const logs = textOf(await h.ask(ADMIN, '/logs 3'));
    expect(logs).toBe('log line 0 token=***\nlog line 1 token=***\nlog line 2 token=***');
    expect(textOf(await h.ask(ADMIN, '/logs 0'))).toBe('0 is out of range (1–200); usage: /logs [n]');
    expect(textOf(await h.ask(ADMIN, '/cancel'))).toBe('No job is running.');
    await auditHas((a) => a.userId === ADMIN.id && a.command === '/reload' && a.outcome === 'done');
  });
});

describe('replies through Telegram failures', () => {
  it('a reply that meets a 429 (retry_after) and a 502 arrives exactly once', async () => {
    const before = h.fake.attempts.length;
    h.fake.inject({ kind: '429', count: 1, chatId: String(ADMIN.id), method: 'sendMessage', retryAfter: 1 });
    h.fake.inject({ kind: '5xx', count: 1, chatId: String(ADMIN.id), method: 'sendMessage' });
    const m = await h.ask(ADMIN, '/users');
    expect(textOf(m)).toContain('Subscribers:');
    const tries = h.fake.attempts.slice(before).filter((a) => a.chat_id === String(ADMIN.id) && a.method === 'sendMessage');
    expect(tries.map((a) => a.outcome)).toEqual(['429', '5xx', 'ok']);
    expect(h.fake.chat(ADMIN.id).filter((x) => x.text?.startsWith('Subscribers:')).length).toBe(2); // this one and the earlier /users
  });
});

describe('a process with no services and exchange keys', () => {
  let bare: Harness;
  beforeAll(async () => {
    bare = await startHarness({ env: { EXCHANGE_API_KEY: 'key-123456', EXCHANGE_API_SECRET: 'secret-abcdef' } });
  });
  afterAll(async () => {
    await bare.close();
  });

  it('answers plainly that each missing capability is not available yet', async () => {
    const expectations: [string, string][] = [
      ['/score', 'The latest score is not available in this process yet.'],
      ['/chart', 'The chart is not available in this process yet.'],
      ['/train', 'Training is not available in this process yet.'],
      ['/download', 'Downloading is not available in this process yet.'],
      ['/backtest', 'Backtesting is not available in this process yet.'],
      ['/balance', 'Trading is not available in this process yet.'],
      ['/reload', 'Reloading the config is not available in this process yet.'],
      ['/logs', 'The log is not available in this process yet.'],
    ];
    for (const [cmd, reply] of expectations) expect(textOf(await bare.ask(ADMIN, cmd))).toBe(reply);
    expect(textOf(await bare.ask(USER, '/status'))).toContain('The signal service is not available in this process yet.');
  });
});

describe('live trading confirmation conversation', () => {
  let live: Harness;
  const liveCalls: string[] = [];
  beforeAll(async () => {
    live = await startHarness({ services: fakeServices(liveCalls).services, env: { EXCHANGE_API_KEY: 'key-123456', EXCHANGE_API_SECRET: 'secret-abcdef' } });
  });
  afterAll(async () => {
    await live.close();
  });

  it('asks, lets other commands through meanwhile, and switches only after Go live', async () => {
    const q = await live.ask(ADMIN, '/trade live');
    expect(textOf(q)).toContain('⚠ Switch to LIVE trading: real orders on binance for BTCUSDT');
    expect(textOf(await live.ask(ADMIN, '/trade status'))).toContain('Trading: paper');
    expect(liveCalls).not.toContain('setMode live');
    expect(textOf(await live.ask(ADMIN, '/trade live'))).toBe('A live-trading question is already waiting for your answer above.');
    live.fake.pressButton(ADMIN, q, 'live:y');
    await live.fake.waitUntil(() => textOf(q) === '✅ Trading mode is now live.', 5000, 'live');
    expect(liveCalls).toContain('setMode live');
    await live.fake.waitUntil(() => live.itb.runtime.state.data.audit.some((a) => a.command === '/trade live' && a.outcome === 'confirmed'), 5000, 'audit');
  });

  it('Cancel leaves the mode alone, and a press after expiry does nothing', async () => {
    const q = await live.ask(ADMIN, '/trade live');
    live.fake.pressButton(ADMIN, q, 'live:n');
    await live.fake.waitUntil(() => textOf(q).startsWith('✖ Cancelled'), 5000, 'cancel');
    const q2 = await live.ask(ADMIN, '/trade live');
    await sleep(2200);
    live.fake.pressButton(ADMIN, q2, 'live:y');
    await live.fake.waitUntil(() => live.fake.answeredCallbacks.some((a) => a.text === 'This confirmation has expired; nothing was done.'), 5000, 'expired');
    expect(liveCalls.filter((c) => c === 'setMode live').length).toBe(1);
  });
});

describe('per-user rate limit', () => {
  it('answers a flood once, then ignores it; admins are not limited', async () => {
    const r = await startHarness({ raw: { telegram: { rate_limit_per_minute: 3 } } });
    try {
      for (let i = 0; i < 8; i++) r.fake.userSays(USER, '/help');
      await r.fake.waitForMessage(USER.id, (m) => textOf(m).startsWith('You are sending commands too fast'));
      await sleep(500);
      const replies = r.fake.chat(USER.id).map(textOf);
      expect(replies.filter((t) => t.startsWith('Commands:')).length).toBe(3);
      expect(replies.filter((t) => t.startsWith('You are sending commands too fast')).length).toBe(1);
      for (let i = 0; i < 6; i++) r.fake.userSays(ADMIN, '/help');
      await r.fake.waitUntil(() => r.fake.chat(ADMIN.id).length === 6, 5000, 'six admin replies');
    } finally {
      await r.close();
    }
  });
});
