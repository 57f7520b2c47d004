/**
 * The signaler service: per-tick compute after the fetch (streaming features + predict + signals
 * + the score message) with the sample config's lc models, p50/p99 over a replayed day; and the
 * RSS of the whole tick cycle (replay source, outputs, state, history) over a replayed week.
 * Models are trained once on the 30 days before the replay (sample data, bench folder).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import { ReplayCandleSource } from '../src/core/exchange/replay.ts';
import { frameRowToCandle } from '../src/core/klines.ts';
import { parseFreq, DAY, MINUTE } from '../src/core/time.ts';
import { scoreNotificationConfigs } from '../src/core/notify/scoreBand.ts';
import { scoreNotification } from '../src/core/notify/scoreMessage.ts';
import { readCsv } from '../src/storage/csv.ts';
import { log } from '../src/shared/log.ts';
import { computeFeatures, computeLabels } from '../src/core/generators/index.ts';
import { trainAll } from '../src/models/trainAll.ts';
import { createOutputs } from '../src/jobs/service/outputs/index.ts';
import { StreamingScorer } from '../src/jobs/service/scorer.ts';
import { ServiceState } from '../src/jobs/service/state.ts';
import { Signaler } from '../src/jobs/service/signaler.ts';
import type { ChannelPublisher } from '../src/jobs/service/ports.ts';
import type { RecentBars } from '../src/jobs/service/recentBars.ts';
import type { BenchRow } from './lib.ts';

const ROOT = new URL('..', import.meta.url).pathname;

function rssMb(): number {
  return process.memoryUsage().rss / 1e6;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function bench(): Promise<BenchRow[]> {
  // State files on tmpfs when there is one: a tick's fsync is not what this measures.
  const tmpRoot = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'itb-bench-service-'));
  const base = loadConfig(path.join(ROOT, 'src/config/samples/embedded.jsonc'), {}).config;
  const config: Config = { ...base, data_folder: dir, train: true, output_sets: base.output_sets.filter((o) => o.generator === 'score_notification_model') };
  const freq = parseFreq(config.freq);
  const klines = readCsv(path.join(ROOT, 'data/sample/BTCUSDT/klines.csv.gz'));
  const end = klines.time[klines.length - 1]! + MINUTE;
  const weekStart = end - 7 * DAY;
  const dayStart = end - DAY;

  // Models on the 30 days before the replayed week.
  const train = klines.slice(klines.lowerBound(weekStart - 30 * DAY), klines.lowerBound(weekStart));
  const matrix = await computeLabels(await computeFeatures(train, config), config);
  const models = await trainAll(config, matrix.slice(0, matrix.length - config.label_horizon));

  // Per-tick compute over a replayed day.
  const history = klines.slice(klines.lowerBound(dayStart - (config.features_horizon + config.predict_length) * MINUTE), klines.lowerBound(dayStart));
  const scorer = new StreamingScorer(config, models);
  scorer.init(history);
  const [notify] = scoreNotificationConfigs(config as never);
  const times: number[] = [];
  let prevBand: number | null = null;
  for (let i = klines.lowerBound(dayStart); i < klines.length; i++) {
    const c = frameRowToCandle(klines, i);
    const t0 = performance.now();
    const bar = scorer.push(c);
    const n = scoreNotification({ symbol: config.symbol, freq: config.freq, closeTime: c.time + freq.ms, close: c.close, score: bar.values.trade_score! }, notify!, prevBand);
    prevBand = n.bandNo;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);

  // The whole cycle over a replayed week: memory at the start and at the end.
  const source = new ReplayCandleSource(klines, freq, { start: weekStart + 1000, speed: 0 });
  const posted = { n: 0 };
  const publisher: ChannelPublisher = { publish: async () => void posted.n++, publishPhoto: async () => void posted.n++ };
  const signaler: Signaler = new Signaler({
    config: { ...config, train: false },
    source,
    scorer: new StreamingScorer(config, models),
    outputs: await createOutputs({ config, configDir: ROOT, freq, publisher, recent: (): RecentBars => signaler.recent, log: log() }),
    state: await ServiceState.open(path.join(dir, 'state')),
    admins: { notifyAdmins: async () => {} },
    log: log(),
  });
  await signaler.start();
  // "Start" is after the first replayed day: the JIT, the heap and the bounded buffers have settled by then.
  let rssStart = 0;
  let heapStart = 0;
  let ticks = 0;
  const whole: number[] = [];
  for (let t = weekStart + MINUTE + 1000; t < end + MINUTE; t += MINUTE) {
    source.setNow(t);
    const r = await signaler.tick();
    if (r) whole.push(r.latencyMs);
    if (++ticks === 1440) {
      global.gc?.();
      rssStart = rssMb();
      heapStart = process.memoryUsage().heapUsed / 1e6;
    }
  }
  global.gc?.();
  const rssEnd = rssMb();
  const heapEnd = process.memoryUsage().heapUsed / 1e6;
  whole.sort((a, b) => a - b);
  await signaler.stop();
  fs.rmSync(dir, { recursive: true, force: true });

  return [
    { name: 'tick compute p50 (features+predict+signals+message), 1 day', value: percentile(times, 50), unit: 'ms', baseline: 24.4, baselineLabel: 'ITB median', target: 'p99 < 20 ms' },
    { name: 'tick compute p99, 1 day', value: percentile(times, 99), unit: 'ms', baseline: 35.7, baselineLabel: 'ITB p99', target: '< 20 ms' },
    { name: 'whole tick p50 (fetch from replay, compute, outputs, state), 1 week', value: percentile(whole, 50), unit: 'ms', note: 'state on tmpfs' },
    { name: 'whole tick p99, 1 week', value: percentile(whole, 99), unit: 'ms' },
    { name: 'RSS after the first day of a replayed week', value: rssStart, unit: 'MB', note: global.gc ? 'after gc' : 'run with node --expose-gc for figures after gc' },
    { name: `RSS after a replayed week (${ticks} ticks, ${posted.n} posts)`, value: rssEnd, unit: 'MB', baseline: rssStart, baselineLabel: 'first day', target: 'growth < 10%' },
    { name: 'JS heap used after the first day', value: heapStart, unit: 'MB' },
    { name: 'JS heap used after the week', value: heapEnd, unit: 'MB', baseline: heapStart, baselineLabel: 'first day' },
  ];
}
