import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { ReplayCandleSource } from '../../src/core/exchange/replay.ts';
import type { Candle } from '../../src/core/exchange/types.ts';
import { parseFreq, parseTime, HOUR, MINUTE } from '../../src/core/time.ts';
import { readCsv } from '../../src/storage/csv.ts';
import { log } from '../../src/shared/log.ts';
import { serviceBotServices } from '../../src/app/botServices.ts';
import type { DiagramData } from '../../src/jobs/service/diagram.ts';
import { modelsHealth, statusWarnings, type ServiceStatus } from '../../src/jobs/service/health.ts';
import { serviceStatusLines } from '../../src/commands/status.ts';
import type { BarScorer, ScoredBar } from '../../src/jobs/service/ports.ts';
import { ServiceState } from '../../src/jobs/service/state.ts';
import { Signaler } from '../../src/jobs/service/signaler.ts';

class SignedChange implements BarScorer {
  readonly outputColumns = ['trade_score'];
  prev = NaN;
  init(): void {}
  push(c: Candle): ScoredBar {
    const s = Number.isNaN(this.prev) ? NaN : (c.close - this.prev) / this.prev;
    this.prev = c.close;
    return { time: c.time, values: { trade_score: s }, complete: Number.isFinite(s), computeMs: 0.2 };
  }
}

const START = parseTime('2025-11-20 00:00:00');
let dir = '';
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function running() {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-status-'));
  const all = readCsv('data/sample/BTCUSDT/klines.csv.gz');
  const klines = all.slice(all.lowerBound(START - 300 * MINUTE), all.lowerBound(START + 300 * MINUTE));
  const config = buildConfig({ venue: 'replay', data_folder: dir, features_horizon: 10, predict_length: 5, service: { model_expiry_hours: 24 } }, { env: {} }).config;
  const source = new ReplayCandleSource(klines, parseFreq('1min'), { start: START + 1000, speed: 0 });
  const signaler = new Signaler({ config, source, scorer: new SignedChange(), outputs: [], state: await ServiceState.open(dir), admins: { notifyAdmins: async () => {} }, log: log() });
  await signaler.start();
  for (let k = 1; k <= 5; k++) {
    source.setNow(START + k * MINUTE + 1000);
    await signaler.tick();
  }
  const status = (trainedAt: number | null): ServiceStatus => {
    const h = signaler.health();
    const base = { ...h, venue: 'replay', tradingMode: 'paper', models: modelsHealth(config, ['high_20_lc', 'low_20_lc'], trainedAt, source.now(), { retraining: false, lastRetrain: null }), now: source.now() };
    return { ...base, warnings: statusWarnings(base) };
  };
  /** The service lines of /status, as the command builds them from what the service reports. */
  const statusText = async (s: ServiceStatus) => {
    const reported = await serviceBotServices({ config, signaler, status: () => s, scoreColumns: ['trade_score'] }).status!();
    return serviceStatusLines(config, reported, source.now()).join('\n');
  };
  return { config, source, signaler, status, statusText };
}

describe('/status, /score and /chart of the running service', () => {
  it('reports the last candle, its lag, the tick latency, the models and their age', async () => {
    const { status, statusText } = await running();
    const s = status(START - 10 * HOUR);
    expect(s.lastBarTime).toBe(START + 4 * MINUTE);
    expect(s.lagMs).toBe(1000);
    expect(s.lastTick?.bars).toBe(1);
    expect(s.models.ageHours).toBeCloseTo(10 + 5 / 60 + 1 / 3600, 6);
    expect(s.warnings).toEqual([]);
    const text = await statusText(s);
    expect(text).toContain('Last candle: 2025-11-20 00:04 UTC\nLag: 0 min\nModel high_20_lc: trained 10 h 5 min ago\nModel low_20_lc: trained 10 h 5 min ago\nTrading: paper\nvenue replay (replay)');
    expect(text).toMatch(/last tick: 2025-11-20 00:05:01 UTC · 1 bar\(s\) · latency \d+ ms \(compute 0\.2 ms\)\nticks: 5\nlatest: trade_score [+-]0\.\d{4}$/);
  });

  it('warns when the models are older than service.model_expiry_hours', async () => {
    const { status, statusText } = await running();
    const s = status(START - 30 * HOUR);
    expect(s.models.expired).toBe(true);
    expect(s.warnings).toEqual(['the models are 30 h old, older than service.model_expiry_hours (24 h): retrain them']);
    const text = await statusText(s);
    expect(text).toContain('Model high_20_lc: trained 30 h 5 min ago ⚠ expired');
    expect(text.split('\n').at(-1)).toBe('⚠️ the models are 30 h old, older than service.model_expiry_hours (24 h): retrain them');
  });

  it('answers /score with the newest bar and /chart with the recent bars', async () => {
    const { config, signaler, status } = await running();
    let drawn: DiagramData | null = null;
    const services = serviceBotServices({
      config,
      signaler,
      status: () => status(START),
      scoreColumns: ['trade_score'],
      render: (d) => {
        drawn = d;
        return new Uint8Array([1, 2, 3]);
      },
    });
    const score = await services.latestScore!();
    const c4 = signaler.recent.toFrame();
    const close = c4.get('close');
    expect(score).toMatchObject({ symbol: 'BTCUSDT', freq: '1min', time: START + 4 * MINUTE, close: close[close.length - 1] });
    expect(score!.score).toBeCloseTo((close[close.length - 1]! - close[close.length - 2]!) / close[close.length - 2]!, 12);
    const chart = await services.chart!(0.1);
    expect(chart.png).toEqual(new Uint8Array([1, 2, 3]));
    expect(drawn!.frame.length).toBe(7); // the last 6 minutes, both ends included
    expect(drawn!.frame.time[drawn!.frame.length - 1]).toBe(START + 4 * MINUTE);
    await expect(services.chart!(0)).rejects.toThrow('the chart needs a positive number of hours, e.g. /chart 24');
    const st = await services.status!();
    expect(st.lastCandleTime).toBe(START + 4 * MINUTE);
    expect(st.models.map((m) => m.name)).toEqual(['high_20_lc', 'low_20_lc']);
  });
});
