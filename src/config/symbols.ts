import path from 'node:path';
import { UserError } from '../shared/errors.ts';
import { loadConfig, type LoadedConfig } from './load.ts';
import type { Config } from './schema.ts';
import { matchSymbol, normalizeSymbol } from './symbolNames.ts';

/** One symbol of a process: its own config (from a `-c` file, or one entry of a config's `symbols`). */
export interface SymbolConfig {
  config: Config;
  /** Absolute path of the config file ('' when built in memory). */
  file: string;
  /** Where it came from, for messages: `btc.jsonc`, or `all.jsonc (ETHUSDT)` for an entry of `symbols`. */
  label: string;
}

const PLACEHOLDER = '{symbol}';

/**
 * A config as one config per symbol: itself without `symbols`, else for each listed symbol a copy
 * with `symbol` set and `{symbol}` replaced in the paths that must differ per symbol: a data
 * source whose folder is the config's own `symbol` becomes the listed symbol's folder, and
 * `{symbol}` in a data source's folder or file, `replay.file`, `model_folder` and
 * `service.state_folder` is the symbol. Paths that would put two symbols' files in one place
 * are refused in one sentence.
 */
export function expandSymbols(loaded: LoadedConfig, label = loaded.file ? path.basename(loaded.file) : 'config'): SymbolConfig[] {
  const { config, file } = loaded;
  const listed = config.symbols;
  if (!listed) return [{ config, file, label }];
  if (!listed.length) throw new UserError(`${label}: key symbols: the list is empty (name at least one symbol, or leave the key out to serve "symbol")`);
  const symbols = listed.map((s, i) => {
    const n = normalizeSymbol(s);
    if (!/^[A-Z0-9.]+$/.test(n)) throw new UserError(`${label}: key symbols[${i}]: "${s}" is not a symbol (e.g. BTCUSDT or ETH/USDT)`);
    return n;
  });
  const twice = symbols.find((s, i) => symbols.indexOf(s) !== i);
  if (twice) throw new UserError(`${label}: key symbols: ${twice} is listed twice`);
  const several = symbols.length > 1;
  const sameForAll = (key: string, value: string) => {
    if (several && value && !value.includes(PLACEHOLDER)) {
      throw new UserError(`${label}: key ${key}: "${value}" would be one place for ${symbols.length} symbols; write ${PLACEHOLDER} where the symbol goes (e.g. ${key === 'replay.file' ? 'data/{symbol}/klines.csv.gz' : `${value.replace(/[\\/]+$/, '')}/{symbol}`})`);
    }
  };
  if (config.venue === 'replay') sameForAll('replay.file', config.replay.file);
  if (path.isAbsolute(config.model_folder)) sameForAll('model_folder', config.model_folder);
  sameForAll('service.state_folder', config.service.state_folder);
  const own = normalizeSymbol(config.symbol);
  return symbols.map((symbol) => {
    const sub = (v: string) => v.split(PLACEHOLDER).join(symbol);
    const one: Config = {
      ...config,
      symbol,
      symbols: null,
      data_sources: config.data_sources.map((d) => ({
        ...d,
        folder: normalizeSymbol(d.folder) === own ? symbol : sub(d.folder),
        ...(typeof d.file === 'string' ? { file: sub(d.file) } : {}),
      })),
      replay: { ...config.replay, file: sub(config.replay.file) },
      model_folder: sub(config.model_folder),
      service: { ...config.service, state_folder: sub(config.service.state_folder) },
    };
    return { config: one, file, label: several ? `${label} (${symbol})` : label };
  });
}

/** Refuses a symbol configured twice (two files, or a file and a `symbols` entry) in one sentence. */
export function checkDistinct(symbols: readonly SymbolConfig[]): void {
  const seen = new Map<string, SymbolConfig>();
  for (const s of symbols) {
    const key = normalizeSymbol(s.config.symbol);
    const first = seen.get(key);
    if (first) throw new UserError(`${key} is configured twice (${first.label} and ${s.label}): a process serves each symbol once`);
    seen.set(key, s);
  }
}

/**
 * The symbols of `itb <command> -c A [-c B …]`: every file loaded and validated, each config's
 * `symbols` expanded, every symbol once. Warnings of all files are returned together.
 */
export function loadSymbolConfigs(files: readonly string[], env: NodeJS.ProcessEnv = process.env): { symbols: SymbolConfig[]; warnings: string[] } {
  const symbols: SymbolConfig[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    const loaded = loadConfig(file, env);
    warnings.push(...loaded.warnings);
    symbols.push(...expandSymbols(loaded));
  }
  checkDistinct(symbols);
  return { symbols, warnings };
}

/** The symbols `--symbol S` (repeatable, or `S1,S2`) picks, matched forgivingly; all when none is named. */
export function selectSymbols(symbols: readonly SymbolConfig[], wanted: readonly string[]): SymbolConfig[] {
  if (!wanted.length) return [...symbols];
  const names = symbols.map((s) => s.config.symbol);
  const picked = new Set(wanted.flatMap((w) => w.split(',')).filter(Boolean).map((w) => matchSymbol(w, names)));
  return symbols.filter((s) => picked.has(s.config.symbol));
}

/**
 * A symbol's config read again from its file (/reload): the file's config, or its entry for
 * `symbol` when the file lists `symbols`. A file that no longer lists the symbol is one sentence.
 */
export function loadSymbolConfig(file: string, symbol: string): LoadedConfig {
  const loaded = loadConfig(file);
  if (!loaded.config.symbols) return loaded;
  const one = expandSymbols(loaded).find((s) => s.config.symbol === symbol);
  if (!one) throw new UserError(`${path.basename(file)} no longer lists ${symbol} in symbols: restart the service to stop serving it`);
  return { ...loaded, config: one.config };
}
