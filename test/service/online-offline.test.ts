import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig, loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Frame } from '../../src/core/frame.ts';
import { runSection } from '../../src/core/generators/run.ts';
import { scoreNotificationConfigs } from '../../src/core/notify/scoreBand.ts';
import { paceScore, type PacingState } from '../../src/core/notify/bandPacing.ts';
import { formatTime, parseTime, DAY, MINUTE } from '../../src/core/time.ts';
import { trainAll } from '../../src/models/trainAll.ts';
import { readCsv } from '../../src/storage/csv.ts';
import { writeTable } from '../../src/storage/table.ts';
import { log } from '../../src/shared/log.ts';
import { silentProgress } from '../../src/shared/progress.ts';
import { runService } from '../../src/app/service.ts';
import { withThresholdsInForce } from '../../src/jobs/walkForward.ts';
import { startFakeBinance, type FakeBinance } from '../fakes/binance.ts';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.ts';
import { FakeExchangeClock, frameToCandles } from './exchangeClock.ts';

/**
 * Online = offline: a day of real BTCUSDT minutes replayed through `itb serve` as fast as it
 * goes, against the loopback Binance and Telegram fakes. The scores the service produced bar
 * by bar equal the batch pipeline's (features over the whole data, predict, signals), and the
 * channel receives exactly the messages the score band rules imply for those scores — also
 * across a restart in the middle of the day, with a subscriber who keeps getting them.
 */
const DAY_START = parseTime('2025-11-28 00:00:00');
const MIDDAY = DAY_START + 12 * 60 * MINUTE;
const CHANNEL = '@itb_test_channel';
/** Thresholds of the walk-forward run written for the service (the embedded config's are ±0.45). */
const WALK_FORWARD = { buy_signal_threshold: -0.02, sell_signal_threshold: -0.06 };
const FAST = { overall: { count: 10_000, windowMs: 1000 }, perChat: { count: 10_000, windowMs: 1000 }, perGroup: { count: 10_000, windowMs: 1000 } };

let dir: string;
let config: Config;
let klines: Frame;
let batch: Frame;
let exchange: FakeBinance;
let telegram: FakeTelegram;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-online-offline-'));
  exchange = await startFakeBinance();
  telegram = await startFakeTelegram();
  const sample = loadConfig('src/config/samples/embedded.jsonc', {}).config;
  config = buildConfig(
    {
      ...structuredClone(sample),
      venue: 'binance',
      data_folder: dir,
      train_length: 0,
      // The embedded rule keeps its own thresholds; here it takes those of a walk-forward run.
      signal_sets: sample.signal_sets.map((s) => (s.generator === 'threshold_rule' ? { ...s, config: { ...s.config, parameters_from: 'walk_forward' } } : s)),
      output_sets: sample.output_sets.filter((o) => o.generator === 'score_notification_model'),
      exchange: { api_root: exchange.url, timeout_ms: 2000, retries: 2, retry_base_ms: 10 },
      telegram: { token: telegram.token, api_root: telegram.apiRoot, channel: CHANNEL, admins: [7] },
      trader: { mode: 'off' },
    },
    { env: {} },
  ).config;

  const all = readCsv('data/sample/BTCUSDT/klines.csv.gz');
  klines = all.slice(all.lowerBound(DAY_START - 8 * DAY), all.lowerBound(DAY_START + DAY));
  exchange.setCandles('BTCUSDT', frameToCandles(klines));

  // Models trained on the week before the replayed day.
  const train = klines.slice(0, klines.lowerBound(DAY_START - config.label_horizon * MINUTE));
  await runSection(train, config, 'feature_sets');
  await runSection(train, config, 'label_sets');
  await trainAll(config, train);

  // A walk-forward run whose thresholds the rule ("parameters_from": "walk_forward") takes.
  const record = { version: 1, created: '2025-11-27T00:00:00.000Z', symbol: 'BTCUSDT', generator: 'threshold_rule', scores: ['trade_score'], periods: [] };
  const outOfSample = { start: '2025-10-27 00:00:00', end: '2025-11-26 23:59:00', months: 1, trades: 3, totalReturn: -1, buyAndHold: -2, maxDrawdown: 3 };
  fs.writeFileSync(
    path.join(dir, 'BTCUSDT', 'signal_models.walk-forward.json'),
    JSON.stringify({ ...record, out_of_sample: outOfSample, thresholds: { parameters: WALK_FORWARD, train: ['2025-10-27 00:00:00', '2025-11-26 23:59:00'], in_sample: {} } }),
  );

  // The batch pipeline over all the data, with the thresholds in force.
  batch = klines.slice(0);
  await runSection(batch, config, 'feature_sets');
  const { loadModelSet } = await import('../../src/models/modelSet.ts');
  const models = await loadModelSet(config);
  batch.assign(models.predictFrame(batch));
  await runSection(batch, withThresholdsInForce(config), 'signal_sets', { calibration: models.calibration });
}, 120_000);

afterAll(async () => {
  await exchange?.close();
  await telegram?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function serveUntil(from: number, to: number, onReady?: () => Promise<void>) {
  const clock = new FakeExchangeClock(config, exchange, from + 1000, to + 1000);
  const ctx = { config, configFile: '', args: [], log: log(), progress: silentProgress };
  return runService(ctx, { mode: 'serve', source: clock, clock, botLimits: FAST, onReady: onReady ? async () => onReady() : undefined });
}

describe('online = offline', () => {
  it('scores a replayed day as the batch pipeline does and posts exactly the band messages, across a restart', async () => {
    const user = { id: 501, first_name: 'Ada' };
    expect(
      await serveUntil(DAY_START, MIDDAY, async () => {
        telegram.userSays(user, '/subscribe');
        await telegram.waitForMessage(user.id, (m) => /subscribed/i.test(m.text ?? ''));
      }),
    ).toBe(0);
    // /backtest at midday: the signals file (the days before the replay) continued by the bars served so far, up to the clock.
    const admin = { id: 7, first_name: 'Admin' };
    let report = '';
    expect(
      await serveUntil(MIDDAY, DAY_START + DAY, async () => {
        writeTable(path.join(dir, 'BTCUSDT', config.signal_file_name), batch.slice(0, batch.lowerBound(DAY_START)).select(['close', 'trade_score']));
        telegram.userSays(admin, '/backtest 1d');
        report = (await telegram.waitForMessage(admin.id, (m) => /✅ Backtest/.test(m.text ?? ''), 30_000)).text!;
      }),
    ).toBe(0);
    expect(report).toMatch(/Backtest BTCUSDT · long · 2025-11-27 11:59 → 2025-11-28 11:59 /);

    // Scores, bar by bar.
    const history = fs.readFileSync(path.join(dir, 'BTCUSDT', 'state', 'scores.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(history).toHaveLength(1440);
    const first = batch.lowerBound(DAY_START);
    const score = batch.get('trade_score');
    const expected: string[] = [];
    let prev: PacingState | null = null;
    let walkForwardOnly = 0;
    const [notify] = scoreNotificationConfigs(config as never);
    history.forEach((h, k) => {
      const i = first + k;
      expect(h.time).toBe(formatTime(batch.time[i]!));
      expect(h.status).toBe('ok');
      for (const c of ['high_20_lc', 'low_20_lc', 'trade_score']) expect(Math.abs((h[c] as number) - batch.get(c)[i]!)).toBeLessThan(1e-9);
      expect(h.buy_signal_column).toBe(batch.get('buy_signal_column')[i]);
      if ((h.trade_score as number) >= WALK_FORWARD.buy_signal_threshold && (h.trade_score as number) < 0.45) walkForwardOnly++;
      const n = paceScore({ symbol: 'BTCUSDT', freq: '1min', closeTime: batch.time[i]! + MINUTE, close: batch.get('close')[i]!, score: score[i]! }, notify!, prev);
      prev = n.state;
      if (n.post) expected.push(n.post.text);
    });
    expect(expected.length).toBeGreaterThan(5);
    // The service bought where only the walk-forward thresholds say so (a buy the config's 0.45 would not give).
    expect(walkForwardOnly).toBeGreaterThan(0);

    // Messages: the channel got exactly the implied ones, in order; the subscriber too, before and after the restart.
    expect(telegram.chat(CHANNEL).map((m) => m.text)).toEqual(expected);
    const toUser = telegram.chat(user.id).map((m) => m.text).filter((t) => t && expected.includes(t));
    expect(toUser).toEqual(expected);
  }, 180_000);

  it('a hard crash that lost the last saves redoes those bars without posting anything twice', async () => {
    const stateDir = path.join(dir, 'BTCUSDT', 'state');
    const channelBefore = telegram.chat(CHANNEL).map((m) => m.text);
    // The last 30 ticks' saves are lost: the service thinks it stopped 30 bars earlier, and the
    // bot no longer knows the previous score band (the first redone bar would post again).
    const serviceFile = path.join(stateDir, 'service.json');
    const service = JSON.parse(fs.readFileSync(serviceFile, 'utf8')) as { lastBarTime: number };
    expect(service.lastBarTime).toBe(DAY_START + DAY - MINUTE);
    fs.writeFileSync(serviceFile, JSON.stringify({ ...service, lastBarTime: DAY_START + DAY - 31 * MINUTE }));
    const botFile = path.join(stateDir, 'bot-state.json');
    fs.writeFileSync(botFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(botFile, 'utf8')), scoreBands: {} }));

    expect(await serveUntil(DAY_START + DAY - 30 * MINUTE, DAY_START + DAY)).toBe(0);
    const history = fs.readFileSync(path.join(stateDir, 'scores.jsonl'), 'utf8').trim().split('\n');
    // The 30 bars were processed again, and the history already had them.
    expect(history).toHaveLength(1440);
    expect(new Set(history.map((l) => (JSON.parse(l) as { time: string }).time)).size).toBe(1440);
    expect(telegram.chat(CHANNEL).map((m) => m.text)).toEqual(channelBefore);
  }, 120_000);
});
