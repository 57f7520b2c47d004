import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.ts';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.ts';
import { buildConfig } from '../../src/config/load.ts';
import { MINUTE, parseTime } from '../../src/core/time.ts';
import { silentProgress } from '../../src/jobs/progress.ts';
import { runService } from '../../src/jobs/service/run.ts';
import { log } from '../../src/log.ts';
import { readCsv } from '../../src/storage/csv.ts';
import { FakeExchangeClock, frameToCandles } from './exchangeClock.ts';
import { readmePromises } from '../readmePromises.ts';
import { SAMPLE, exitWithin, itb, killStrays, serveRaw, trainBefore, writeConfig } from './cliService.ts';

/** The README's promise about a stop signal, word for word (this file proves it). */
const STOP_PROMISE =
  'SIGTERM or SIGINT (Ctrl-C) ends `itb serve` (and the service of `npm start`, the same code) within 10 s, also during start-up and while Telegram or the exchange does not answer: the running tick and the bot get 7 s, then are left. The service state names the last finished bar, so the next start processes the interrupted one. Undelivered messages stay in the outbox: the log says how many, and the next start sends them.';

/**
 * A stop signal (SIGTERM, SIGINT) ends `itb serve` within 10 s (the promise; the tests
 * wait that long for the exit, nothing else is timed), also while Telegram or the exchange does
 * not answer. What was not sent is counted in the log and sent by the next start.
 */
const START = '2025-11-29 00:00:00';
const CHANNEL = '@itb_stop_channel';
const STOP_DEADLINE_MS = 10_000;

let dir: string;
let telegram: FakeTelegram;
let exchange: FakeBinance;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-stop-'));
  telegram = await startFakeTelegram();
  exchange = await startFakeBinance();
  await trainBefore(writeConfig(dir, serveRaw(dir, { start: START, end: START, speed: 0 })).config, START);
}, 120_000);

afterAll(async () => {
  killStrays();
  await telegram?.close();
  await exchange?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Messages the outbox journal holds that were never marked done. */
function pendingTexts(stateDir: string): string[] {
  const pending = new Map<string, string>();
  for (const line of fs.readFileSync(path.join(stateDir, 'outbox.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const rec = JSON.parse(line) as { op: string; id?: string; item?: { id: string; text?: string } };
    if (rec.op === 'add') pending.set(rec.item!.id, rec.item!.text ?? '');
    else if (rec.id) pending.delete(rec.id);
  }
  return [...pending.values()];
}

describe('a stop signal ends the service within 10 s', () => {
  it('SIGTERM while Telegram does not answer: the service exits, logs how many messages were left unsent, and the next start sends them', async () => {
    const tg = { token: telegram.token, api_root: telegram.apiRoot, channel: CHANNEL, admins: [7] };
    // One bar a second; Telegram stops answering at the first post (the first bar always posts).
    const { file } = writeConfig(dir, serveRaw(dir, { start: START, end: '2025-11-29 01:00:00', speed: 60, extra: { telegram: tg } }), 'telegram.jsonc');
    telegram.setUnreachable(true, { from: 'sendMessage' });
    const first = itb(['serve', '-c', file]);
    await telegram.waitUntil(() => telegram.attempts.some((a) => a.outcome === 'timeout'), 60_000, 'the first post to hang');
    first.child.kill('SIGTERM');
    expect(await exitWithin(first, STOP_DEADLINE_MS)).toEqual({ code: 0, signal: null });
    const unsent = Number(/(\d+) message\(s\) not sent yet: they stay in the outbox and are sent at the next start/.exec(first.stderr)?.[1]);
    expect(unsent).toBeGreaterThanOrEqual(1);
    const stateDir = path.join(dir, 'BTCUSDT', 'state');
    const waiting = pendingTexts(stateDir);
    expect(waiting).toHaveLength(unsent);
    expect(telegram.chat(CHANNEL)).toEqual([]);

    // Telegram is back: the next start (to the end of a short replay) sends what was left.
    telegram.setUnreachable(false);
    const { file: again } = writeConfig(dir, serveRaw(dir, { start: START, end: '2025-11-29 00:10:00', speed: 0, extra: { telegram: tg } }), 'telegram-again.jsonc');
    const second = itb(['serve', '-c', again]);
    expect((await second.exited).code).toBe(0);
    expect(second.stderr).toContain(`${unsent} message(s) left unsent by the previous run are sent now`);
    const delivered = telegram.chat(CHANNEL).map((m) => m.text);
    for (const text of waiting) expect(delivered).toContain(text);
    expect(pendingTexts(stateDir)).toEqual([]);
    expect(readmePromises()).toContain(STOP_PROMISE);
  }, 120_000);

  it('SIGINT (Ctrl-C) while the exchange does not answer during start-up: the service exits and frees its folder', async () => {
    // Every candle request hangs far longer than the client's timeout, retried 5 times.
    exchange.injectFault({ path: '/api/v3/klines', delayMs: 600_000, times: 1000 });
    const { file } = writeConfig(dir, serveRaw(dir, { start: START, end: START, speed: 0, extra: { venue: 'binance', exchange: { api_root: exchange.url } } }), 'exchange.jsonc');
    const service = itb(['serve', '-c', file]);
    const t0 = Date.now();
    while (!exchange.requests.some((r) => r.path === '/api/v3/klines') && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    expect(exchange.requests.some((r) => r.path === '/api/v3/klines')).toBe(true);
    service.child.kill('SIGINT');
    expect(await exitWithin(service, STOP_DEADLINE_MS)).toEqual({ code: 0, signal: null });
    expect(service.stderr).toMatch(/stopped during start-up/);
    expect(fs.existsSync(path.join(dir, 'BTCUSDT', 'service.lock'))).toBe(false);
  }, 120_000);

  it('a stop while a tick waits on an exchange that stopped answering: the service returns within 10 s, and its state names the last finished bar', async () => {
    const all = readCsv(SAMPLE);
    const t = parseTime(START);
    const venue = await startFakeBinance();
    venue.setCandles('BTCUSDT', frameToCandles(all.slice(all.lowerBound(t - 300 * MINUTE), all.lowerBound(t + 60 * MINUTE))));
    // Each candle request times out after 3 s and is tried 4 times: a tick waits 12 s and more.
    const stateDir = path.join(dir, 'state-tick');
    const extra = { venue: 'binance', exchange: { api_root: venue.url, timeout_ms: 3000, retries: 4, retry_base_ms: 10 }, trader: { mode: 'off' }, service: { state_folder: stateDir } };
    const config = buildConfig(serveRaw(dir, { start: START, end: START, speed: 0, extra }), { env: {} }).config;
    const clock = new FakeExchangeClock(config, venue, t + 1000, t + 60 * MINUTE);
    const controller = new AbortController();
    let fetches = 0;
    let hanging!: () => void;
    const hangs = new Promise<void>((r) => (hanging = r));
    const ctx = { config, configFile: '', args: [], log: log(), progress: silentProgress, signal: controller.signal };
    const outcome = runService(ctx, {
      mode: 'serve',
      source: {
        id: clock.id,
        now: () => clock.now(),
        close: () => clock.close(),
        fetchCandles: (...a) => {
          // The warm-up's request and four ticks' are answered; the fifth tick's candles never come.
          if (++fetches === 6) {
            venue.injectFault({ path: '/api/v3/klines', delayMs: 600_000, times: 1000 });
            hanging();
          }
          return clock.fetchCandles(...a);
        },
      },
      clock,
    }).catch((e: unknown) => e);
    try {
      await Promise.race([hangs, outcome]);
      expect(fetches).toBe(6);
      controller.abort();
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([outcome, new Promise<string>((r) => (timer = setTimeout(() => r('still running'), STOP_DEADLINE_MS)))]);
      clearTimeout(timer);
      expect(result).toBe(0);
      const state = JSON.parse(fs.readFileSync(path.join(stateDir, 'service.json'), 'utf8')) as { lastBarTime: number };
      // Warm-up and four ticks finished; the fifth tick's bar is done by the next start.
      expect(state.lastBarTime).toBe(t + 3 * MINUTE);
    } finally {
      await venue.close();
    }
  }, 120_000);
});
