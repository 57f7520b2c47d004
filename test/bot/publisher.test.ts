import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeProfits } from '../../src/core/notify/tradeMessages.ts';
import { defaultSubscriber } from '../../src/bot/state.ts';
import { USER, startHarness, type Harness } from './harness.ts';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);

describe('publisher: diagram, trades, long texts', () => {
  let h: Harness;
  beforeAll(async () => {
    // Per-chat spacing scaled down so the test is short; the broadcast test checks the real ratios.
    h = await startHarness({ deps: { limits: { overall: { count: 25, windowMs: 1000 }, perChat: { count: 1, windowMs: 60 }, perGroup: { count: 18, windowMs: 3000 } } } });
    const state = h.itb.runtime.state;
    const noDiagram = defaultSubscriber(3001, 'no-diagram');
    noDiagram.diagram = false;
    const noTrades = defaultSubscriber(3002, 'no-trades');
    noTrades.trades = false;
    for (const s of [defaultSubscriber(USER.id, 'Bob'), noDiagram, noTrades]) state.data.subscribers[String(s.chatId)] = s;
    await state.write();
  });
  afterAll(async () => {
    await h.close();
  });

  it('sends the daily diagram as a photo to the channel and to subscribers who want it, then removes its file', async () => {
    const items = h.itb.publisher.publishDiagram(PNG, 'BTCUSDT: last 24 hours');
    expect(items.map((i) => String(i.chatId)).sort()).toEqual(['-100777', '2001', '3002']);
    await h.itb.publisher.outbox.idle();
    for (const chat of ['-100777', USER.id, 3002]) {
      expect(h.fake.chat(chat).filter((m) => m.photoBytes === PNG.length && m.caption === 'BTCUSDT: last 24 hours').length).toBe(1);
    }
    expect(h.fake.chat(3001)).toEqual([]);
    const fs = await import('node:fs');
    expect(fs.readdirSync(h.itb.publisher.outbox.filesDir)).toEqual([]);
  });

  it("posts a bar's score once even when the bar is redone after a crash that lost the saved band", async () => {
    const bar = { time: Date.UTC(2025, 2, 1, 11, 0), close: 74896.99, score: 0.02 };
    const first = await h.itb.publisher.publishScore('output_sets[0]', bar);
    expect(first.send).toBe(true);
    await h.itb.publisher.outbox.idle();
    const posts = () => h.fake.chat('-100777').filter((m) => m.text?.includes('Indicator: +0.02')).length;
    expect(posts()).toBe(1);
    // The crash: the bot state was not written (the band is unknown again), the bar is redone.
    h.itb.runtime.state.data.scoreBands = {};
    const redone = await h.itb.publisher.publishScore('output_sets[0]', bar);
    expect(redone.send).toBe(true);
    await h.itb.publisher.outbox.idle();
    expect(posts()).toBe(1);
    // The next bar is a new post (its band is known again, and it changed).
    await h.itb.publisher.publishScore('output_sets[0]', { ...bar, time: bar.time + 60_000, score: -0.02 });
    await h.itb.publisher.outbox.idle();
    expect(h.fake.chat('-100777').filter((m) => m.text?.includes('Indicator: -0.02')).length).toBe(1);
    // A keyed text (the trade message of a bar) likewise.
    h.itb.publisher.publishText('trade of bar 11:00', { key: 'trade:1' });
    h.itb.publisher.publishText('trade of bar 11:00', { key: 'trade:1' });
    expect(h.itb.publisher.publishDiagram(PNG, 'd', { key: 'diagram:1' }).length).toBeGreaterThan(0);
    expect(h.itb.publisher.publishDiagram(PNG, 'd', { key: 'diagram:1' })).toEqual([]);
    await h.itb.publisher.outbox.idle();
    expect(h.fake.chat('-100777').filter((m) => m.text === 'trade of bar 11:00').length).toBe(1);
    expect(h.fake.chat('-100777').filter((m) => m.caption === 'd').length).toBe(1);
  });

  it('sends the two trade messages in order with Markdown, to subscribers who want trades', async () => {
    h.itb.publisher.publishTrade({ status: 'SELL', profit: 150.5, profitPercent: 0.2 }, describeProfits([0.2, -0.1, 0.5]));
    await h.itb.publisher.outbox.idle();
    const texts = h.fake.chat(USER.id).filter((m) => m.text).map((m) => m.text);
    expect(texts.slice(-2)).toEqual([
      '⚡💰 *SOLD:  Profit: 0.20% 150.5000₮*',
      '↗ *LONG transactions stats (4 weeks)*\n🔸sum=0.60% 🔸count=3\n🔸mean=0.2000% 🔸std=0.3000%\n🔸min=-0.1000% 🔸median=0.2000% 🔸max=0.5000%\n',
    ]);
    expect(h.fake.chat(USER.id).at(-1)!.parse_mode).toBe('Markdown');
    expect(h.fake.chat(3002).filter((m) => m.text?.includes('SOLD'))).toEqual([]);
  });

  it('splits a long announcement under 4,096 characters and keeps its order', async () => {
    const long = Array.from({ length: 400 }, (_, i) => `${i}: ${'y'.repeat(30)}`).join('\n');
    h.itb.publisher.publishText(long);
    await h.itb.publisher.outbox.idle();
    const parts = h.fake.chat(USER.id).filter((m) => m.text?.startsWith('0: ') || /^\d+: y/.test(m.text ?? '')).map((m) => m.text!);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.length <= 4096)).toBe(true);
    expect(parts.join('\n')).toBe(long);
  });

  it('sends a Markdown text Telegram cannot parse as plain text rather than losing it', async () => {
    h.itb.publisher.publishText('price_ticker *up', { markdown: true });
    await h.itb.publisher.outbox.idle();
    const last = h.fake.chat(USER.id).at(-1)!;
    expect(last.text).toBe('price_ticker *up');
    expect(last.parse_mode).toBeUndefined();
  });

  it('a channel that refuses the bot is reported, not unsubscribed; a blocked subscriber is', async () => {
    h.fake.inject({ kind: '403', count: 1, chatId: '-100777' });
    h.fake.block(3001);
    h.itb.publisher.publishText('maintenance at 12:00 UTC');
    await h.itb.publisher.outbox.idle();
    expect(h.itb.runtime.state.data.subscribers['3001']).toBeUndefined();
    expect(h.itb.runtime.state.data.subscribers[String(USER.id)]).toBeDefined();
    expect(h.fake.chat(USER.id).at(-1)!.text).toBe('maintenance at 12:00 UTC');
  });
});
