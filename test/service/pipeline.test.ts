import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assemblePipeline, openSymbol, type SymbolPipeline } from '../../src/app/pipeline.ts';
import { buildConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { ReplayCandleSource } from '../../src/core/exchange/replay.ts';
import { MINUTE, parseTime } from '../../src/core/time.ts';
import { ConsolePublisher } from '../../src/jobs/service/outputs/consolePublisher.ts';
import { log } from '../../src/shared/log.ts';
import { silentProgress } from '../../src/shared/progress.ts';
import { serveRaw, trainBefore } from './cliService.ts';

/**
 * The unit a process holds one of per symbol: two SymbolPipelines side by side in one process
 * share the channel and the admins, and keep their own folder, models, state and trader.
 */
const START = '2025-11-29 00:00:00';
let dir = '';
const posts: string[] = [];
const told: string[] = [];
let pipelines: SymbolPipeline[] = [];

function configOf(symbol: string): Config {
  return buildConfig({ ...serveRaw(dir, { start: START, end: '2025-11-29 00:30:00', speed: 0 }), symbol }, { env: {} }).config;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-pipelines-'));
  await trainBefore(configOf('BTCUSDT'), START);
  // The second symbol replays the same candles with the same models, in its own folder.
  fs.cpSync(path.join(dir, 'BTCUSDT', 'MODELS'), path.join(dir, 'ETHUSDT', 'MODELS'), { recursive: true });
  const shared = {
    publisher: new ConsolePublisher(path.join(dir, 'charts'), (line) => void posts.push(line)),
    admins: { notifyAdmins: async (text: string) => void told.push(text) },
  };
  for (const symbol of ['BTCUSDT', 'ETHUSDT']) {
    const opened = await openSymbol({ ctx: { config: configOf(symbol), configFile: '', args: [], log: log(), progress: silentProgress } });
    const p = await assemblePipeline(opened, shared);
    await p.warmUp();
    await p.startTrader();
    pipelines.push(p);
  }
}, 120_000);

afterAll(async () => {
  for (const p of pipelines) await p.stop();
  pipelines = [];
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('symbol pipelines side by side in one process', () => {
  it('tick on one clock, post to the shared channel, and keep their own state, trader and files', async () => {
    const [btc, eth] = pipelines as [SymbolPipeline, SymbolPipeline];
    expect([btc.folder, eth.folder]).toEqual([path.join(dir, 'BTCUSDT', 'state'), path.join(dir, 'ETHUSDT', 'state')]);
    expect(btc.trader.files.state).not.toBe(eth.trader.files.state);
    const sources = pipelines.map((p) => p.source as ReplayCandleSource);
    const t0 = sources[0]!.now();
    for (let k = 1; k <= 5; k++) {
      for (const s of sources) s.setNow(t0 + k * MINUTE);
      await Promise.all(pipelines.map((p) => p.tick()));
    }
    for (const p of pipelines) {
      expect(p.status().ticks).toBe(5);
      expect(p.status().lastBarTime).toBe(btc.status().lastBarTime);
      expect(p.status().symbol).toBe(p.symbol);
    }
    // The same candles through the same models: the same scores, each in its own history file.
    expect(eth.status().lastValues).toEqual(btc.status().lastValues);
    await Promise.all(pipelines.map((p) => p.stop()));
    const last = (folder: string) => JSON.parse(fs.readFileSync(path.join(folder, 'service.json'), 'utf8')) as { lastBarTime: number };
    expect(last(btc.folder).lastBarTime).toBe(parseTime(START) + 4 * MINUTE);
    expect(last(eth.folder).lastBarTime).toBe(last(btc.folder).lastBarTime);
    expect(fs.existsSync(path.join(eth.folder, 'scores.jsonl'))).toBe(true);
    // Each symbol's score post reaches the one channel, under its own symbol.
    expect(posts.filter((x) => x.startsWith('📣 ₿ ')).length).toBe(posts.filter((x) => x.startsWith('📣 Ξ ')).length);
    expect(posts.length).toBeGreaterThan(0);
    expect(told).toEqual([]);
  }, 60_000);
});
