import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { createBot, openBotStore } from '../../src/bot/createBot.ts';
import { defaultSubscriber } from '../../src/bot/state.ts';
import { startFakeTelegram, type FailureKind, type FakeTelegram } from '../fakes/telegram.ts';
import { readmePromises } from '../readmePromises.ts';

/** The README's promise about posts, word for word; the tests below are what it rests on. */
const OUTBOX_PROMISE =
  "Channel and subscriber posts (the outbox): at least once, in order per chat. Every post is stored before it is sent and each bar's posts carry a key, so a bar redone after a crash is not posted again. A post goes out twice only when Telegram accepted it and its answer was lost (to a timeout, or to kill -9 between Telegram's answer and the outbox's record of it); everything else (kill -9 before the send, 429, 5xx, a timeout before Telegram took it, a restart) sends it exactly once.";

const CHANNEL = '-100777';
const LIMITS = { overall: { count: 25, windowMs: 1000 }, perChat: { count: 1, windowMs: 50 }, perGroup: { count: 18, windowMs: 1000 } };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'itb-outbox-faults-'));

describe('the outbox under faults: at least once, a repeat only when Telegram took a post whose answer was lost', () => {
  let fake: FakeTelegram;
  beforeAll(async () => {
    fake = await startFakeTelegram();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('sends a post again only when Telegram accepted it and the answer never came (or came after the timeout); 429, 5xx and a timeout before delivery send once', async () => {
    const dir = tmp();
    const { config } = buildConfig({ symbol: 'BTCUSDT', freq: '1min' }, { env: { TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_CHANNEL: CHANNEL } });
    const store = await openBotStore(dir);
    const chats = [501, 502, 503, 504, 505];
    for (const id of chats) store.state.data.subscribers[String(id)] = defaultSubscriber(id, `u${id}`);
    fake.inject({ kind: 'accept-then-hang', chatId: 501, count: 1 });
    fake.inject({ kind: 'accept-then-hang', chatId: 502, count: 1, answerAfterMs: 1500 });
    fake.inject({ kind: 'timeout', chatId: 503, count: 1 });
    fake.inject({ kind: '5xx', chatId: 504, count: 1 });
    fake.inject({ kind: '429', chatId: 505, count: 1, retryAfter: 1 });
    const itb = createBot({ config, store, requestTimeoutSeconds: 1, limits: LIMITS });
    itb.startOutbox();
    itb.publisher.publishText('bar 1', { key: 'bar:1' });
    itb.publisher.publishText('bar 2', { key: 'bar:2' });
    expect(itb.publisher.publishText('bar 1 redone', { key: 'bar:1' })).toEqual([]);
    await itb.publisher.outbox.idle();
    await itb.stop();

    const texts = (id: number | string) => fake.chat(id).map((m) => m.text);
    const outcomes = (id: number) => fake.attempts.filter((a) => a.chat_id === String(id)).map((a) => a.outcome);
    // Accepted but unanswered (never, or after the client's 1 s timeout): the one repeat there is.
    expect(texts(501)).toEqual(['bar 1', 'bar 1', 'bar 2']);
    expect(texts(502)).toEqual(['bar 1', 'bar 1', 'bar 2']);
    expect(outcomes(501)).toEqual(['accepted-unanswered', 'ok', 'ok']);
    // Refused or lost before Telegram took it: retried, delivered once.
    for (const id of [503, 504, 505, CHANNEL]) expect(texts(id as number), `chat ${id}`).toEqual(['bar 1', 'bar 2']);
    expect(outcomes(503)).toEqual(['timeout', 'ok', 'ok']);
    expect(outcomes(504)).toEqual(['5xx', 'ok', 'ok']);
    expect(outcomes(505)).toEqual(['429', 'ok', 'ok']);
    expect(readmePromises()).toContain(OUTBOX_PROMISE);
  }, 30_000);

  /** Runs the posting process until the fake saw `attemptsBefore` send attempts (then kill -9), or to its end. */
  function postingProcess(dir: string, posts: number, killAfterAttempts?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const env = { ...process.env, TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_CHANNEL: CHANNEL, STATE_DIR: dir, POSTS: String(posts), LOG_LEVEL: 'silent' };
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'test/bot/outboxProcess.ts'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    if (killAfterAttempts !== undefined) {
      void fake.waitUntil(() => fake.attempts.length >= killAfterAttempts, 20_000, `${killAfterAttempts} send attempts`).then(() => child.kill('SIGKILL'));
    }
    return exited;
  }

  const killCases: Array<{ fault: FailureKind; when: string; want: string[] }> = [
    { fault: 'accept-then-hang', when: 'after Telegram accepted post 3 and before its answer', want: ['post 1', 'post 2', 'post 3', 'post 3', 'post 4', 'post 5'] },
    { fault: 'timeout', when: 'while post 3 was on its way and not yet accepted', want: ['post 1', 'post 2', 'post 3', 'post 4', 'post 5'] },
  ];
  for (const c of killCases) {
    it(`kill -9 ${c.when}: the restarted process (redoing the bar) sends ${c.want.length === 6 ? 'post 3 again, the only repeat' : 'each post once'}`, async () => {
      const dir = tmp();
      fake.messages.length = 0;
      fake.attempts.length = 0;
      fake.inject({ kind: c.fault, chatId: CHANNEL, after: 2, count: 1 });
      expect(await postingProcess(dir, 5, 3)).toEqual({ code: null, signal: 'SIGKILL' });
      expect(fake.chat(CHANNEL).map((m) => m.text)).toEqual(c.fault === 'timeout' ? ['post 1', 'post 2'] : ['post 1', 'post 2', 'post 3']);
      expect(await postingProcess(dir, 5)).toEqual({ code: 0, signal: null });
      expect(fake.chat(CHANNEL).map((m) => m.text)).toEqual(c.want);
    }, 60_000);
  }
});
