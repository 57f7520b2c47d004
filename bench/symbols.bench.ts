/**
 * Many symbols in one process (issue #15): `itb serve` of 1, 10 and 100 symbols × 1min — the
 * embedded config's features, lc models, calibrated score, paced score posts and paper trader —
 * through the real ccxt candle source against the loopback Binance fake, the bot against the
 * Telegram fake (both in a process of their own: bench/symbolsFakes.ts), replaying real minutes
 * on one simulated clock as fast as the ticks go. The symbols' candles are the real BTCUSDT and
 * ETHUSDT 1m series, renamed (S000USDT …), each from its own offset and with its own price scale
 * (see symbolsFakes.ts); the models are trained once on BTCUSDT and copied to every symbol (the
 * work per tick is the same as with models of their own).
 *
 * Per symbol count: the tick latency after the candle's close (the cron fires 1 s after it, then
 * each symbol's fetch, features, predict, signals, outputs and trader), p50/p99 over every
 * symbol's ticks; peak RSS; exchange requests and weight per tick (= per minute live: the
 * request budget counts on the replay's clock) and of the
 * warm-up; channel posts per minute (a tick's score posts to one chat come as one digest when
 * more than telegram.digest_above); and the same posts counted without the digest.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import { expandSymbols, type SymbolConfig } from '../src/config/symbols.ts';
import { runForSymbols } from '../src/app/symbols.ts';
import type { JobContext } from '../src/jobs/context.ts';
import { MINUTE } from '../src/core/time.ts';
import { runService, type RunningService } from '../src/app/service.ts';
import { CcxtCandleSource, createExchange } from '../src/exchange/ccxt.ts';
import { RequestBudget, sharedBudget } from '../src/exchange/requestBudget.ts';
import { log } from '../src/shared/log.ts';
import { silentProgress } from '../src/shared/progress.ts';
import { FakeExchangeClock } from '../test/service/exchangeClock.ts';
import { benchSymbol, peakRssMb, type BenchRow } from './lib.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const COUNTS = (process.env.ITB_BENCH_SYMBOLS ?? '1,10,100').split(',').map(Number);
const TICKS = Number(process.env.ITB_BENCH_TICKS ?? 60);
const CHANNEL = '-100777';
/** The cron of 1-minute bars fires a second after the close. */
const FIRE_AFTER_CLOSE_MS = 1000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The candle source of every symbol (one ccxt client, one request budget) on the bench's clock.
 * The fake in the other process serves every candle; the service keeps those closed by this clock.
 */
class BenchExchange extends FakeExchangeClock {
  /** Called as the clock moves to the next tick (the previous tick is over). */
  onTick: (t: number) => void = () => {};

  static create(config: Config, start: number, end: number): BenchExchange {
    // The weight budget counts on the replay's clock: live, ticks are a minute apart, and so are
    // they here (the clock jumps a minute per tick), however fast the replay goes.
    const ex = config.exchange;
    let clock: BenchExchange | undefined;
    const budget = new RequestBudget({ weightPerMinute: ex.weight_per_minute, concurrency: ex.concurrent_requests }, () => clock?.now() ?? start);
    clock = new BenchExchange(config, { setNow: () => {} }, start, end, new CcxtCandleSource(createExchange(config), { retries: ex.retries, baseMs: ex.retry_base_ms }, budget));
    return clock;
  }

  override setNow(t: number): void {
    if (t > this.now()) this.onTick(t);
    super.setNow(t);
  }
}

async function startFakes(n: number, from: number, bars: number): Promise<{ binance: string; telegram: string; token: string; stats(): Promise<{ klines: unknown[]; sends: unknown[] }>; stop(): void }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/run-ts.mjs'), path.join(ROOT, 'bench/symbolsFakes.ts'), String(n), String(from), String(bars)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the fakes exited (${code})`)));
  });
  const urls = JSON.parse(line) as { binance: string; telegram: string; token: string };
  return {
    ...urls,
    stats: async () => (await (await fetch(`${urls.binance}/__stats`)).json()) as { klines: unknown[]; sends: unknown[] },
    stop: () => void child.stdin!.end(),
  };
}

/** Models of the embedded config and their matrix, made once (in the fakes' process, see symbolsFakes.ts). */
function trainModels(dir: string): { models: string; matrix: string } {
  const folder = path.join(dir, 'trained');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/run-ts.mjs'), path.join(ROOT, 'bench/symbolsFakes.ts'), 'models', folder], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`training the bench's models failed (exit ${r.status})`);
  return { models: path.join(folder, 'MODELS'), matrix: folder };
}

const quiet = (): JobContext => ({ config: {} as Config, configFile: '', args: [], log: log(), progress: silentProgress });

/** `itb download` of every symbol (4 at a time, one request budget): wall seconds and the weight spent. */
async function downloadAll(symbols: SymbolConfig[], exchangeUrl: string): Promise<{ seconds: number; weight: number; requests: number; progressStages: number }> {
  const ex = symbols[0]!.config.exchange;
  const budget = sharedBudget(`${ex.id}|${ex.market_type}|${exchangeUrl}`, { weightPerMinute: ex.weight_per_minute, concurrency: ex.concurrent_requests });
  const before = { ...budget.stats };
  const stages = new Set<string>();
  const t0 = performance.now();
  const code = await runForSymbols('download', () => import('../src/jobs/download.ts'), { ...quiet(), progress: (ev) => void stages.add(ev.stage) }, symbols, { concurrency: 4, write: () => {} });
  if (code !== 0) throw new Error(`the bench's download failed (exit ${code})`);
  return { seconds: (performance.now() - t0) / 1000, weight: budget.stats.weight - before.weight, requests: budget.stats.requests - before.requests, progressStages: stages.size };
}

/** CPU seconds of this process's threads and of its children that have ended (Linux /proc; the children's 0 elsewhere). */
function cpuSeconds(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    children = (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime in clock ticks (USER_HZ = 100)
  } catch {
    /* not Linux */
  }
  return (own.user + own.system) / 1e6 + children;
}

/**
 * `itb train` of `n` symbols on the same matrix: one after another in this process, or the CLI's
 * way (shared out to a process per core): wall seconds and the cores busy (CPU time / wall).
 */
async function trainMany(n: number, how: 'one after another' | 'processes', base: Config, trained: { matrix: string }, dir: string): Promise<{ seconds: number; cores: number }> {
  const folder = path.join(dir, `train-${n}-${how.replaceAll(' ', '-')}`);
  const names = Array.from({ length: n }, (_, k) => benchSymbol(k));
  for (const name of names) fs.cpSync(path.join(trained.matrix, base.matrix_file_name), path.join(folder, name, base.matrix_file_name));
  const raw = { ...base, venue: 'binance', symbols: names, data_folder: folder, train: true };
  const file = path.join(folder, 'train.jsonc');
  fs.writeFileSync(file, JSON.stringify(raw));
  const symbols = expandSymbols({ config: raw as Config, file, warnings: [] }, 'bench');
  const processes = how === 'processes' ? { count: 2, argv: (share: string[]) => ['train', '-c', file, '--symbol', share.join(',')] } : undefined;
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const code = await runForSymbols('train', () => import('../src/jobs/train.ts'), quiet(), symbols, { processes, write: () => {} });
  if (code !== 0) throw new Error(`the bench's training failed (exit ${code})`);
  const seconds = (performance.now() - t0) / 1000;
  const cores = (cpuSeconds() - cpu0) / seconds;
  fs.rmSync(folder, { recursive: true, force: true });
  return { seconds, cores };
}

interface Measured {
  n: number;
  latencies: number[];
  warmupSeconds: number;
  peakRss: number;
  requestsPerTick: number[];
  weightPerTick: number[];
  warmupWeight: number;
  channelPerTick: number[];
  channelUndigestedPerTick: number[];
  allChatsPerTick: number[];
  download: { seconds: number; weight: number; requests: number; progressStages: number; bars: number };
}

async function runSymbols(n: number, models: string, base: Config, dir: string): Promise<Measured> {
  const bars = base.features_horizon + base.predict_length + TICKS + 2;
  const history = base.features_horizon + base.predict_length;
  const from = Date.UTC(2025, 0, 6);
  const start = from + history * MINUTE;
  const fakes = await startFakes(n, from, bars);
  const folder = path.join(dir, `n${n}`);
  const names = Array.from({ length: n }, (_, k) => benchSymbol(k));
  try {
    const raw = {
      ...structuredClone(base),
      symbols: names,
      data_folder: folder,
      venue: 'binance',
      data_sources: [{ folder: '{symbol}', file: 'klines', column_prefix: '' }],
      output_sets: base.output_sets.filter((o) => o.generator !== 'diagram_notification_model'),
      exchange: { ...base.exchange, api_root: fakes.binance, timeout_ms: 10_000 },
      telegram: { ...base.telegram, token: fakes.token, api_root: fakes.telegram, channel: CHANNEL, admins: [1] },
    };
    const symbols = expandSymbols({ config: raw as Config, file: '', warnings: [] }, 'bench');
    for (const name of names) fs.cpSync(models, path.join(folder, name, 'MODELS'), { recursive: true });
    // Subscribers: 20 chats, each following 3 symbols, and one following all.
    const subscribers: Record<string, unknown> = {};
    for (let i = 0; i < 20; i++) {
      const chatId = 500_000 + i;
      const follows = Object.fromEntries([0, 1, 2].map((j) => [names[(i * 7 + j * 13) % n]!, 0]));
      subscribers[chatId] = { chatId, name: `u${i}`, since: '2025-01-01T00:00:00.000Z', minBand: 0, scores: true, signals: true, diagram: true, trades: true, quietHours: null, symbols: follows };
    }
    subscribers[600_000] = { chatId: 600_000, name: 'all', since: '2025-01-01T00:00:00.000Z', minBand: 0, scores: true, signals: true, diagram: true, trades: true, quietHours: null, symbols: { '*': 0 } };
    const botFolder = path.join(folder, names[0]!, 'state');
    fs.mkdirSync(botFolder, { recursive: true });
    fs.writeFileSync(path.join(botFolder, 'bot-state.json'), JSON.stringify({ subscribers, audit: [], scoreBands: {}, blockedRemoved: 0 }));

    const exchange = BenchExchange.create(symbols[0]!.config, start + FIRE_AFTER_CLOSE_MS, start + TICKS * MINUTE + FIRE_AFTER_CLOSE_MS);
    const budget = exchange.ccxt.budget!;
    const at0 = { ...budget.stats };
    let service: RunningService | undefined;
    let warmupWeight = 0;
    let warmupSeconds = 0;
    const t0 = performance.now();
    const latencies: number[] = [];
    const requestsPerTick: number[] = [];
    const weightPerTick: number[] = [];
    const tickWall: number[] = [];
    let last = { ...budget.stats };
    const abort = new AbortController();
    exchange.onTick = () => {
      tickWall.push(Date.now());
      if (!service) return;
      if (tickWall.length === 1) {
        warmupWeight = budget.stats.weight - at0.weight;
        warmupSeconds = (performance.now() - t0) / 1000;
      } else {
        for (const p of service.pipelines) {
          const tick = p.signaler.health().lastTick;
          if (tick) latencies.push(FIRE_AFTER_CLOSE_MS + tick.latencyMs);
        }
        requestsPerTick.push(budget.stats.requests - last.requests);
        weightPerTick.push(budget.stats.weight - last.weight);
      }
      last = { ...budget.stats };
    };
    const ctx = { config: symbols[0]!.config, configFile: '', args: [], log: log(), progress: silentProgress, signal: abort.signal, symbols };
    const done = runService(ctx, { mode: 'serve', source: exchange, clock: exchange, onReady: (s) => void (service = s) });
    // Once the clock has played every tick, the service stops (the outbox keeps what Telegram's limits hold back).
    const watch = setInterval(() => {
      if (service?.pipelines.every((p) => p.signaler.health().ticks >= TICKS)) abort.abort();
    }, 50);
    await done;
    clearInterval(watch);
    for (const p of service!.pipelines) {
      const tick = p.signaler.health().lastTick;
      if (tick) latencies.push(FIRE_AFTER_CLOSE_MS + tick.latencyMs);
    }
    requestsPerTick.push(budget.stats.requests - last.requests);
    weightPerTick.push(budget.stats.weight - last.weight);
    tickWall.push(Date.now());

    // What the bot queued for each chat tick by tick (its outbox journal): digests, and what they replaced.
    type Item = { id: string; chatId: string | number; createdAt: number; text?: string };
    const journal = fs.readFileSync(path.join(botFolder, 'outbox.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; id?: string; reason?: string; item?: Item });
    const merged = new Set(journal.filter((j) => j.op === 'drop' && j.reason === 'merged into a digest').map((j) => j.id));
    const adds = journal.filter((j) => j.op === 'add').map((j) => j.item!);
    const digest = (a: Item) => (a.text ?? '').startsWith('📊 ');
    const perTick = (pick: (item: Item) => boolean) =>
      tickWall.slice(0, -1).map((w, i) => adds.filter((a) => a.createdAt >= w && a.createdAt < tickWall[i + 1]! && pick(a)).length);
    await exchange.ccxt.close();
    // The same symbols' candles downloaded into a fresh folder: every symbol's whole series.
    const fresh = symbols.map((s) => ({ ...s, config: { ...s.config, data_folder: path.join(dir, `download-${n}`), exchange: { ...s.config.exchange, download_start: new Date(from).toISOString().slice(0, 10) } } }));
    const download = { ...(await downloadAll(fresh, fakes.binance)), bars };
    return {
      download,
      n,
      latencies: latencies.sort((a, b) => a - b),
      warmupSeconds,
      peakRss: peakRssMb(),
      requestsPerTick,
      weightPerTick,
      warmupWeight,
      channelPerTick: perTick((a) => String(a.chatId) === CHANNEL && !merged.has(a.id)),
      channelUndigestedPerTick: perTick((a) => String(a.chatId) === CHANNEL && !digest(a)),
      allChatsPerTick: perTick((a) => !merged.has(a.id)),
    };
  } finally {
    fakes.stop();
  }
}

export async function bench(): Promise<BenchRow[]> {
  const tmpRoot = process.env.ITB_BENCH_TMP ?? os.tmpdir();
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'itb-bench-symbols-'));
  const base = loadConfig(path.join(ROOT, 'src/config/samples/embedded.jsonc'), {}).config;
  const rows: BenchRow[] = [];
  try {
    const trained = trainModels(dir);
    const models = trained.models;
    for (const n of COUNTS) {
      // The peak of this run alone (Linux: VmHWM starts again from the current RSS).
      global.gc?.();
      try {
        fs.writeFileSync('/proc/self/clear_refs', '5');
      } catch {
        /* not Linux: the peak of the whole bench */
      }
      const m = await runSymbols(n, models, base, dir);
      const max = (xs: number[]) => Math.max(0, ...xs);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      const note = `${TICKS} ticks of 1min, ${m.latencies.length} symbol-ticks; state on ${tmpRoot}`;
      rows.push(
        { name: `${n} symbols: tick done after the candle's close, p50`, value: percentile(m.latencies, 50), unit: 'ms', note },
        { name: `${n} symbols: tick done after the candle's close, p99`, value: percentile(m.latencies, 99), unit: 'ms', target: '≤ 5000 ms' },
        { name: `${n} symbols: start-up (warm-up of every symbol)`, value: m.warmupSeconds, unit: 's' },
        { name: `${n} symbols: peak RSS of the process`, value: m.peakRss, unit: 'MB', target: '≤ 1024 MB' },
        { name: `${n} symbols: exchange requests per minute (max over ticks)`, value: max(m.requestsPerTick), unit: 'req' },
        { name: `${n} symbols: exchange weight per minute (max over ticks)`, value: max(m.weightPerTick), unit: 'weight', target: '≤ 1200/min' },
        { name: `${n} symbols: exchange weight of the warm-up`, value: m.warmupWeight, unit: 'weight', target: '≤ 1200/min (the budget spreads it)' },
        { name: `${n} symbols: channel posts per minute (max; mean ${mean(m.channelPerTick).toFixed(2)})`, value: max(m.channelPerTick), unit: 'posts', target: '≤ 18/min (Telegram: 20/min per group)' },
        { name: `${n} symbols: channel posts per minute without the digest (max)`, value: max(m.channelUndigestedPerTick), unit: 'posts' },
        { name: `${n} symbols: sends to all chats per minute (max; mean ${mean(m.allChatsPerTick).toFixed(1)}), 21 subscribers`, value: max(m.allChatsPerTick), unit: 'msgs', target: '≤ 25/s overall' },
        { name: `${n} symbols: itb download of ${m.download.bars} bars each, 4 at a time`, value: m.download.seconds, unit: 's', note: `${m.download.requests} requests, weight ${m.download.weight}; ${m.download.progressStages} progress bar` },
      );
    }
    // Training many symbols: a process per core, each symbol's models in worker threads.
    const n = Number(process.env.ITB_BENCH_TRAIN_SYMBOLS ?? 100);
    const one = await trainMany(n, 'one after another', base, trained, dir);
    const two = await trainMany(n, 'processes', base, trained, dir);
    rows.push(
      { name: `itb train of ${n} symbols one after another (lc, 2 models, 43k rows each)`, value: one.seconds, unit: 's', note: `${one.cores.toFixed(2)} cores busy on average` },
      { name: `itb train of ${n} symbols shared out to 2 processes (the CLI's way)`, value: two.seconds, unit: 's', baseline: one.seconds, baselineLabel: 'one after another', note: `${two.cores.toFixed(2)} cores busy on average` },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
