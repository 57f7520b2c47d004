import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { createBot, openBotStore, type ItbBot } from '../../src/bot/createBot.ts';
import type { SendLimits } from '../../src/bot/sendLimiter.ts';
import { defaultSubscriber } from '../../src/bot/state.ts';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.ts';
import { SAMPLE_SCORE_OUTPUT } from './harness.ts';

/**
 * Telegram's limits run 20× faster here so that 4,000 messages take seconds: every window is
 * 1/20 of the real one. The fake measures what really arrived against the scaled limits.
 */
const SCALE = 20;
const TELEGRAM = { overall: 30, overallMs: 1000 / SCALE, perChatMs: 1000 / SCALE, group: 20, groupMs: 60_000 / SCALE };
const LIMITS: SendLimits = {
  overall: { count: 25, windowMs: 1000 / SCALE },
  perChat: { count: 1, windowMs: 1300 / SCALE },
  perGroup: { count: 18, windowMs: 60_000 / SCALE },
};
const SUBSCRIBERS = 2000;
const FIRST_ID = 100_001;
const CHANNEL = '-100777';

describe('a broadcast to 2,000 subscribers', () => {
  let fake: FakeTelegram;
  let dir: string;
  let figures: Record<string, number> = {};

  beforeAll(async () => {
    fake = await startFakeTelegram();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-broadcast-'));
  });
  afterAll(async () => {
    await fake.close();
    console.log('broadcast figures', figures);
  });

  it('respects the limits and delivers each message exactly once through 429s, 5xx, timeouts, blocked users and a restart', async () => {
    const { config } = buildConfig(
      { symbol: 'BTCUSDT', freq: '1min', output_sets: [SAMPLE_SCORE_OUTPUT] },
      { env: { TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_CHANNEL: CHANNEL } },
    );
    const hour = new Date().getUTCHours();
    const store = await openBotStore(dir);
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const s = defaultSubscriber(FIRST_ID + i, `user${i}`);
      if (i % 40 === 1) s.scores = false; // 50 want signals only
      if (i % 100 === 2) s.quietHours = [hour, (hour + 1) % 24]; // 20 are in quiet hours now
      store.state.data.subscribers[String(s.chatId)] = s;
    }
    await store.state.write();
    const blocked = Array.from({ length: 20 }, (_, k) => FIRST_ID + 7 + k * 97);
    for (const id of blocked) fake.block(id);
    fake.randomTooManyRequests(0.01, 1);
    fake.inject({ kind: '5xx', count: 5 });
    fake.inject({ kind: 'timeout', count: 2, method: 'sendMessage' });

    const deps = { config, limits: LIMITS, concurrency: 32, requestTimeoutSeconds: 2 };
    const t0 = performance.now();
    let itb: ItbBot = createBot({ ...deps, store });
    itb.startOutbox();
    const results = await itb.publisher.publishScore('output_sets[0]', { time: Date.UTC(2025, 2, 1, 10, 0), close: 74896.99, score: 0.02 });
    expect(results).toMatchObject({ bandNo: 3, send: true });
    itb.publisher.publishSignal({ side: 'BUY', symbol: 'BTCUSDT', close: 74896.99, score: 0.02 });
    const queued = itb.publisher.outbox.pending;
    expect(queued).toBe(1 + 1 + (SUBSCRIBERS - 50) + SUBSCRIBERS);

    // Restart in the middle: stop once 1,500 went out, then a new process continues from storage.
    await fake.waitUntil(() => itb.publisher.outbox.stats.sent >= 1500, 60_000, '1,500 deliveries');
    await itb.stop();
    const deliveredBeforeRestart = fake.messages.length;
    expect(deliveredBeforeRestart).toBeLessThan(queued);

    const reopened = await openBotStore(dir);
    expect(reopened.state.data.scoreBands['output_sets[0]']).toBe(3);
    itb = createBot({ ...deps, store: reopened });
    itb.startOutbox();
    // Same band, close minute 10:02+1 is odd: the persisted band means no repeat message.
    const again = await itb.publisher.publishScore('output_sets[0]', { time: Date.UTC(2025, 2, 1, 10, 2), close: 74900, score: 0.021 });
    expect(again).toMatchObject({ bandNo: 3, send: false });
    await itb.publisher.outbox.idle();
    const seconds = (performance.now() - t0) / 1000;
    await itb.stop();

    const scoreText = '*〉〉〉📈 ₿ 74,896 Indicator: +0.02 ↑   BUY ZONE 1min*';
    const signalText = '🟢 *BUY: ₿ 74,896 Score: +0.02*';
    expect(fake.chat(CHANNEL).map((m) => m.text)).toEqual([scoreText, signalText]);
    let silent = 0;
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const id = FIRST_ID + i;
      const got = fake.chat(id);
      if (blocked.includes(id)) {
        expect(got).toEqual([]);
        continue;
      }
      const want = i % 40 === 1 ? [signalText] : [scoreText, signalText];
      expect(got.map((m) => m.text), `chat ${id}`).toEqual(want);
      silent += got.filter((m) => m.silent).length;
      expect(got.every((m) => m.silent === (i % 100 === 2))).toBe(true);
    }
    expect(silent).toBeGreaterThan(0);

    // A chat that blocked the bot is unsubscribed at its first 403; its second message is never tried.
    const state = (await openBotStore(dir)).state;
    expect(Object.keys(state.data.subscribers).length).toBe(SUBSCRIBERS - blocked.length);
    expect(state.data.blockedRemoved).toBe(blocked.length);
    // (Its first message may meet an injected 429 or 5xx before the 403: retries of that message.)
    for (const id of blocked) {
      const tries = fake.attempts.filter((a) => a.chat_id === String(id));
      const first403 = tries.findIndex((a) => a.outcome === '403');
      expect(first403, `chat ${id} got its 403`).toBeGreaterThanOrEqual(0);
      expect(tries.slice(first403 + 1), `chat ${id}: nothing tried after its first 403`).toEqual([]);
      expect(tries.every((a) => a.outcome !== 'ok')).toBe(true);
    }

    const delivered = fake.attempts.filter((a) => a.outcome === 'ok').length;
    expect(delivered).toBe(2 + (SUBSCRIBERS - blocked.length) * 2 - (50 - blocked.filter((id) => (id - FIRST_ID) % 40 === 1).length));
    expect(fake.attempts.filter((a) => a.outcome === '429').length).toBeGreaterThan(10);
    expect(fake.attempts.filter((a) => a.outcome === '5xx').length).toBe(5);
    expect(fake.attempts.filter((a) => a.outcome === 'timeout').length).toBe(2);

    const sends = (a: { method: string }) => a.method === 'sendMessage';
    const maxOverall = fake.maxInWindow(TELEGRAM.overallMs, sends);
    const maxPerChat = fake.maxPerChatInWindow(TELEGRAM.perChatMs, (a) => sends(a) && !a.chat_id.startsWith('-'));
    const maxGroup = fake.maxPerChatInWindow(TELEGRAM.groupMs, (a) => sends(a) && a.chat_id.startsWith('-'));
    expect(maxOverall).toBeLessThanOrEqual(TELEGRAM.overall);
    expect(maxPerChat).toBeLessThanOrEqual(1);
    expect(maxGroup).toBeLessThanOrEqual(TELEGRAM.group);
    figures = {
      messages: delivered,
      attempts: fake.attempts.length,
      seconds: Number(seconds.toFixed(2)),
      deliveredBeforeRestart,
      maxPerRealSecondOverall: maxOverall,
      maxPerChatPerRealSecond: maxPerChat,
      maxChannelPerRealMinute: maxGroup,
    };
  });
});
