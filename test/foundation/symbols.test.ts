import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.ts';
import { runForSymbols, symbolsProgress } from '../../src/app/symbols.ts';
import { buildConfig, stateFolder, symbolFolder } from '../../src/config/load.ts';
import { expandSymbols, loadSymbolConfigs, selectSymbols } from '../../src/config/symbols.ts';
import { matchSymbol } from '../../src/config/symbolNames.ts';
import { candlesToFrame } from '../../src/core/klines.ts';
import { UserError } from '../../src/shared/errors.ts';
import { log } from '../../src/shared/log.ts';
import type { ProgressEvent } from '../../src/shared/progress.ts';
import { writeCsv } from '../../src/storage/csv.ts';
import type { JobContext } from '../../src/jobs/context.ts';
import { makeCandles } from './candles.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-symbols-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function loaded(raw: Record<string, unknown>, file = path.join(root, 'multi.jsonc')) {
  return { ...buildConfig(raw, { env: {} }), file };
}

function writeConfig(name: string, raw: Record<string, unknown>): string {
  const file = path.join(root, name);
  fs.writeFileSync(file, JSON.stringify({ data_folder: path.join(root, 'data'), ...raw }));
  return file;
}

describe('a config of several symbols', () => {
  it('"symbols" applies the config to each symbol, with its own folders', () => {
    const list = expandSymbols(
      loaded({
        symbol: 'BTCUSDT',
        symbols: ['btc/usdt', 'ETHUSDT'],
        data_folder: '/data',
        data_sources: [{ folder: 'BTCUSDT', file: 'klines' }, { folder: 'INDEX', file: 'klines' }],
        model_folder: 'MODELS',
      }),
    );
    expect(list.map((s) => s.config.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(list.map((s) => s.label)).toEqual(['multi.jsonc (BTCUSDT)', 'multi.jsonc (ETHUSDT)']);
    const eth = list[1]!.config;
    // The config's own folder becomes each symbol's; another source (an index) stays shared.
    expect(eth.data_sources.map((d) => d.folder)).toEqual(['ETHUSDT', 'INDEX']);
    expect(symbolFolder(eth)).toBe(path.resolve('/data/ETHUSDT'));
    expect(stateFolder(eth)).toBe(path.resolve('/data/ETHUSDT/state'));
    expect(eth.symbols).toBeNull();
  });

  it('"{symbol}" names each symbol in replay.file and state folders; one path for all symbols is refused', () => {
    const base = { venue: 'replay', symbols: ['BTCUSDT', 'ETHUSDT'], replay: { file: 'data/{symbol}/klines.csv.gz' }, service: { state_folder: '/state/{symbol}' } };
    const [, eth] = expandSymbols(loaded(base));
    expect(eth!.config.replay.file).toBe('data/ETHUSDT/klines.csv.gz');
    expect(eth!.config.service.state_folder).toBe('/state/ETHUSDT');
    expect(() => expandSymbols(loaded({ ...base, replay: { file: 'data/klines.csv.gz' } }))).toThrow(
      new UserError('multi.jsonc: key replay.file: "data/klines.csv.gz" would be one place for 2 symbols; write {symbol} where the symbol goes (e.g. data/{symbol}/klines.csv.gz)'),
    );
    expect(() => expandSymbols(loaded({ ...base, service: { state_folder: '/state' } }))).toThrow(
      'multi.jsonc: key service.state_folder: "/state" would be one place for 2 symbols; write {symbol} where the symbol goes (e.g. /state/{symbol})',
    );
    expect(() => expandSymbols(loaded({ symbols: ['ETHUSDT', 'eth/usdt'] }))).toThrow('multi.jsonc: key symbols: ETHUSDT is listed twice');
    expect(() => expandSymbols(loaded({ symbols: [] }))).toThrow(/^multi\.jsonc: key symbols: the list is empty/);
  });

  it('a config without "symbols" is itself, unchanged', () => {
    const one = loaded({ symbol: 'BTCUSDT', data_sources: [{ folder: 'BTCUSDT', file: 'klines' }] });
    expect(expandSymbols(one)).toEqual([{ config: one.config, file: one.file, label: 'multi.jsonc' }]);
  });

  it('a symbol is matched forgivingly, and anything else is one sentence', () => {
    const served = ['BTCUSDT', 'ETHUSDT', 'SOLBTC'];
    for (const typed of ['eth', 'ETH', 'ETH/USDT', 'eth-usdt', 'ETHUSDT', 'ETH/USDT:USDT']) expect(matchSymbol(typed, served)).toBe('ETHUSDT');
    expect(matchSymbol('sol', served)).toBe('SOLBTC');
    expect(() => matchSymbol('doge', served)).toThrow('"doge" is not a symbol served here (BTCUSDT, ETHUSDT, SOLBTC)');
    expect(() => matchSymbol('eth', ['ETHBTC', 'ETHUSDT'])).toThrow('"eth" could be ETHUSDT or ETHBTC: name the whole symbol');
  });

  it('a symbol configured twice is refused naming both files; --symbol picks among them', () => {
    const a = writeConfig('a.jsonc', { symbol: 'BTCUSDT' });
    const b = writeConfig('b.jsonc', { symbols: ['ETHUSDT', 'BTCUSDT'], data_sources: [{ folder: '{symbol}' }] });
    expect(() => loadSymbolConfigs([a, b], {})).toThrow('BTCUSDT is configured twice (a.jsonc and b.jsonc (BTCUSDT)): a process serves each symbol once');
    const c = writeConfig('c.jsonc', { symbols: ['ETHUSDT', 'SOLUSDT'], data_sources: [{ folder: '{symbol}' }] });
    const { symbols } = loadSymbolConfigs([a, c], {});
    expect(selectSymbols(symbols, ['sol', 'btc']).map((s) => s.config.symbol)).toEqual(['BTCUSDT', 'SOLUSDT']);
    expect(selectSymbols(symbols, ['eth,sol']).map((s) => s.config.symbol)).toEqual(['ETHUSDT', 'SOLUSDT']);
    expect(selectSymbols(symbols, []).length).toBe(3);
  });
});

describe('itb <stage> -c A -c B', () => {
  let lines: string[] = [];
  let errors: string[] = [];
  async function itb(...argv: string[]): Promise<number> {
    lines = [];
    errors = [];
    vi.spyOn(console, 'error').mockImplementation((m: unknown) => void errors.push(String(m)));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
    return main(argv);
  }

  it('runs the stage for each symbol with a line each; a failing symbol is named, the others still run, the exit code says it', async () => {
    writeCsv(path.join(root, 'data', 'BTCUSDT', 'klines.csv'), candlesToFrame(makeCandles(120)));
    writeCsv(path.join(root, 'data', 'SOLUSDT', 'klines.csv'), candlesToFrame(makeCandles(120, undefined, undefined, 3)));
    const btc = writeConfig('btc.jsonc', { symbol: 'BTCUSDT', train: true, data_sources: [{ folder: 'BTCUSDT', file: 'klines' }] });
    // ETHUSDT has no klines: its merge fails, SOLUSDT after it still runs.
    const rest = writeConfig('rest.jsonc', { symbols: ['ETHUSDT', 'SOLUSDT'], train: true, data_sources: [{ folder: '{symbol}', file: 'klines' }] });
    expect(await itb('merge', '-c', btc, '-c', rest)).toBe(1);
    // Merge computes on one thread: the symbols are shared out to a process per core, and their lines come as they finish.
    const mine = lines.filter((l) => /^[✓✗] /.test(l)).sort();
    expect(mine).toEqual([
      expect.stringMatching(/^✓ BTCUSDT: itb merge done in \d+s$/),
      expect.stringMatching(/^✓ SOLUSDT: itb merge done in \d+s$/),
      expect.stringMatching(/^✗ ETHUSDT: data_sources\[0\]: .*ETHUSDT.*klines/),
    ]);
    expect(lines.filter((l) => l.startsWith('itb merge:'))).toEqual(['itb merge: 1 of 3 symbols failed (ETHUSDT)']);
    // One progress bar for the whole command, fed by both processes.
    expect(lines.filter((l) => l.startsWith('itb merge 3 symbols ')).at(-1)).toMatch(/^itb merge 3 symbols ▕█{20}▏ 100% · 3\/3 symbols$/);
    expect(fs.existsSync(path.join(root, 'data', 'BTCUSDT', 'data.csv'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'data', 'SOLUSDT', 'data.csv'))).toBe(true);

    // --symbol runs one (as a config of one symbol runs: no line of its own).
    fs.rmSync(path.join(root, 'data', 'SOLUSDT', 'data.csv'));
    expect(await itb('merge', '-c', btc, '-c', rest, '--symbol', 'sol')).toBe(0);
    expect(lines.filter((l) => /^[✓✗] /.test(l))).toEqual([]);
    expect(fs.existsSync(path.join(root, 'data', 'SOLUSDT', 'data.csv'))).toBe(true);
    expect(await itb('merge', '-c', btc, '-c', rest, '--symbol', 'doge')).toBe(1);
    expect(errors).toEqual(['"doge" is not a symbol served here (BTCUSDT, ETHUSDT, SOLUSDT)']);
  });

  it('import writes one klines file: several symbols need --symbol', async () => {
    const rest = writeConfig('rest2.jsonc', { symbols: ['ETHUSDT', 'SOLUSDT'], data_sources: [{ folder: '{symbol}', file: 'klines' }] });
    expect(await itb('import', '-c', rest, 'x.csv')).toBe(1);
    expect(errors).toEqual(['itb import works on one symbol, and these configs have 2 (ETHUSDT, SOLUSDT): choose one with --symbol S']);
  });
});

describe('many symbols, one progress bar', () => {
  it('counts symbols done of the total, names the running one, and works on `concurrency` symbols at once', async () => {
    const events: ProgressEvent[] = [];
    const symbols = ['AUSDT', 'BUSDT', 'CUSDT', 'DUSDT'].map((symbol) => ({ config: buildConfig({ symbol }, { env: {} }).config, file: '', label: symbol }));
    let running = 0;
    let most = 0;
    const job = async (ctx: JobContext) => {
      most = Math.max(most, ++running);
      ctx.progress({ stage: 'train high_20_lc', done: 5, total: 10 });
      await new Promise((r) => setTimeout(r, 20));
      running--;
      if (ctx.config.symbol === 'CUSDT') throw new UserError('no rows to train on');
    };
    const out: string[] = [];
    const ctx: JobContext = { config: symbols[0]!.config, configFile: '', args: [], log: log(), progress: (ev) => void events.push(ev) };
    const code = await runForSymbols('train', async () => ({ run: job }), ctx, symbols, { concurrency: 2, write: (l) => void out.push(l) });
    expect(code).toBe(1);
    expect(most).toBe(2);
    expect(new Set(events.map((e) => e.stage))).toEqual(new Set(['itb train 4 symbols']));
    expect(events.map((e) => e.done).filter((d, i, a) => i === 0 || d !== a[i - 1])).toEqual([0, 1, 2, 3, 4]);
    expect(events.find((e) => e.detail?.startsWith('AUSDT: '))!.detail).toBe('AUSDT: train high_20_lc 50%');
    expect(events.every((e) => e.total === 4 && e.unit === 'symbols')).toBe(true);
    expect(out.filter((l) => l.startsWith('✗'))).toEqual(['✗ CUSDT: no rows to train on']);
    expect(out.at(-1)).toBe('itb train: 1 of 4 symbols failed (CUSDT)');
  });

  it('the bar is the terminal progress line of the whole command', () => {
    const seen: ProgressEvent[] = [];
    const p = symbolsProgress((ev) => void seen.push(ev), 'itb download', 100);
    p.forSymbol('ETHUSDT')({ stage: 'download ETHUSDT', done: 300, total: 1000, unit: 'rows' });
    p.finished('ETHUSDT');
    expect(seen).toEqual([
      { stage: 'itb download 100 symbols', done: 0, total: 100, unit: 'symbols', detail: 'ETHUSDT: download ETHUSDT 30%' },
      { stage: 'itb download 100 symbols', done: 1, total: 100, unit: 'symbols', detail: 'ETHUSDT done' },
    ]);
  });
});
