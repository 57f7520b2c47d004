import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow } from './lib.ts';
import { buildConfig } from '../src/config/load.ts';
import { createBot, openBotStore } from '../src/bot/createBot.ts';
import { TELEGRAM_SEND_LIMITS, type SendLimits } from '../src/bot/sendLimiter.ts';
import { defaultSubscriber } from '../src/bot/state.ts';
import { parseScoreNotificationConfig } from '../src/core/notify/scoreBand.ts';
import { scoreNotification } from '../src/core/notify/scoreMessage.ts';
import { startFakeTelegram } from '../test/fakes/telegram.ts';

const BANDS = {
  score_column_names: ['trade_score'],
  notify_band_up: true,
  notify_band_dn: true,
  positive_bands: [
    { edge: 0.015, frequency: 2, sign: '〉〉〉📈', bold: true, text: 'BUY ZONE' },
    { edge: 0.01, frequency: 5, sign: '〉〉', text: 'strong' },
    { edge: 0.005, frequency: 10, sign: '〉', text: 'weak' },
  ],
  negative_bands: [{ edge: -0.005, frequency: 10, sign: '〈', text: 'weak' }],
};

function scaled(limits: SendLimits, scale: number): SendLimits {
  const s = (w: { count: number; windowMs: number }) => ({ count: w.count, windowMs: w.windowMs / scale });
  return { overall: s(limits.overall), perChat: s(limits.perChat), perGroup: s(limits.perGroup) };
}

/** A score message and a BUY signal to the channel and `subscribers` chats through the fake Bot API. */
async function broadcast(subscribers: number, scale: number): Promise<{ messages: number; seconds: number; maxOverall: number; maxPerChat: number; enqueueMs: number }> {
  const fake = await startFakeTelegram();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-bench-bot-'));
  try {
    const { config } = buildConfig(
      { symbol: 'BTCUSDT', freq: '1min', output_sets: [{ generator: 'score_notification_model', config: BANDS }] },
      { env: { TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_CHANNEL: '-100777' } },
    );
    const store = await openBotStore(dir);
    for (let i = 0; i < subscribers; i++) {
      const s = defaultSubscriber(200_000 + i, `u${i}`);
      store.state.data.subscribers[String(s.chatId)] = s;
    }
    await store.state.write();
    const itb = createBot({ config, store, limits: scaled(TELEGRAM_SEND_LIMITS, scale), concurrency: 32 });
    itb.startOutbox();
    const t0 = performance.now();
    await itb.publisher.publishScore('output_sets[0]', { time: Date.UTC(2025, 2, 1, 10, 0), close: 74896.99, score: 0.02 });
    const enqueueMs = performance.now() - t0;
    itb.publisher.publishSignal({ side: 'BUY', symbol: 'BTCUSDT', close: 74896.99, score: 0.02 });
    await itb.publisher.outbox.idle();
    const seconds = (performance.now() - t0) / 1000;
    await itb.stop();
    const sends = (a: { method: string }) => a.method === 'sendMessage';
    return {
      messages: fake.attempts.filter((a) => a.outcome === 'ok').length,
      seconds,
      maxOverall: fake.maxInWindow(1000 / scale, sends),
      maxPerChat: fake.maxPerChatInWindow(1000 / scale, (a) => sends(a) && !a.chat_id.startsWith('-')),
      enqueueMs,
    };
  } finally {
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];

  // Real Telegram limits (25/s with a margin under 30/s): a short run, 2 messages to 120 chats.
  const real = await broadcast(120, 1);
  rows.push(
    { name: 'broadcast at real limits: 242 messages, duration', value: real.seconds, unit: 's', note: `${real.messages} delivered` },
    { name: 'broadcast at real limits: throughput', value: real.messages / real.seconds, unit: 'msg/s', target: '≤ 30 msg/s (Telegram)' },
    { name: 'broadcast at real limits: max in any 1 s window', value: real.maxOverall, unit: 'msg', target: '≤ 30' },
    { name: 'broadcast at real limits: max per chat in any 1 s', value: real.maxPerChat, unit: 'msg', target: '≤ 1' },
  );

  // 2,000 subscribers with every window 20× shorter: the machinery at 500 msg/s.
  const fast = await broadcast(2000, 20);
  rows.push(
    { name: 'broadcast 4,002 messages (limits ×20), duration', value: fast.seconds, unit: 's', note: `${fast.messages} delivered; real limits would take ${(fast.messages / 25).toFixed(0)} s` },
    { name: 'broadcast (limits ×20): max in any scaled 1 s window', value: fast.maxOverall, unit: 'msg', target: '≤ 30' },
    { name: 'broadcast (limits ×20): max per chat in scaled 1 s', value: fast.maxPerChat, unit: 'msg', target: '≤ 1' },
    { name: 'publishScore: decide + persist 2,001 outbox items', value: fast.enqueueMs, unit: 'ms' },
  );

  const cfg = parseScoreNotificationConfig(BANDS, 'output_sets[0]');
  const n = 200_000;
  let prev: number | null = null;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) prev = scoreNotification({ symbol: 'BTCUSDT', freq: '1min', closeTime: i * 60_000, close: 70_000 + i, score: Math.sin(i / 50) * 0.03 }, cfg, prev).bandNo;
  rows.push({ name: 'score band + message text', value: ((performance.now() - t0) * 1000) / n, unit: 'µs/bar' });
  return rows;
}
