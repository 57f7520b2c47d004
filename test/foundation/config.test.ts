import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfig, loadConfig, parseJsoncText } from '../../src/config/load.ts';
import { UserError } from '../../src/core/errors.ts';

const SAMPLES = path.resolve(import.meta.dirname, '../../src/config/samples');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-config-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The message of the UserError that fn throws (fails the test when it throws nothing). */
function userErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('expected a UserError, nothing was thrown');
}

/** The samples keep the original's data_folder (C:/DATA_ITB); here the environment replaces it. */
const DATA_ENV = { ITB_DATA_FOLDER: '/var/lib/itb' };

describe('sample configs', () => {
  it("the original's Windows data_folder gets a warning on other systems", () => {
    const { config, warnings } = loadConfig(path.join(SAMPLES, 'config-sample-1min.jsonc'), {});
    expect(config.data_folder).toBe('C:/DATA_ITB');
    expect(warnings).toHaveLength(process.platform === 'win32' ? 0 : 1);
    if (process.platform !== 'win32') expect(warnings[0]).toMatch(/^config-sample-1min\.jsonc: data_folder "C:\/DATA_ITB" is a Windows path; .*set ITB_DATA_FOLDER/);
  });

  it('the 1min sample loads with the original values', () => {
    const { config, warnings } = loadConfig(path.join(SAMPLES, 'config-sample-1min.jsonc'), DATA_ENV);
    expect(warnings).toEqual([]);
    expect(config.freq).toBe('1min');
    expect(config.venue).toBe('binance');
    expect(config.train_length).toBe(525600);
    expect(config.label_horizon).toBe(120);
    expect(config.features_horizon).toBe(120);
    expect(config.data_sources).toEqual([{ folder: 'BTCUSDT', file: 'klines', column_prefix: '' }]);
    expect(config.feature_sets).toHaveLength(4);
    expect(config.feature_sets[3]!.generator).toBe('common.my_feature_example:my_feature_example');
    expect(config.labels).toEqual(['high_20', 'low_20']);
    expect(config.algorithms[0]!.train).toEqual({ penalty: 'l2', C: 1.0, class_weight: null, solver: 'sag', max_iter: 100 });
    expect(config.output_sets.map((o) => o.generator)).toEqual(['score_notification_model', 'diagram_notification_model', 'trader_simulation']);
    expect(config.simulate_model.grid).toEqual({
      buy_signal_threshold: [0.02, 0.03, 0.04, 0.05, 0.1, 0.15],
      sell_signal_threshold: [-0.02, -0.03, -0.04, -0.05, -0.1, -0.15],
    });
    expect(config.rolling_predict.data_start).toBe('2020-02-01 00:00:00');
    // "<binance-key>" and "<token>" placeholders count as not set
    expect(config.api_key).toBe('');
    expect(config.exchange.api_key).toBe('');
    expect(config.telegram.token).toBe('');
  });

  it('the 1h sample loads with its own windows, labels and SVC', () => {
    const { config, warnings } = loadConfig(path.join(SAMPLES, 'config-sample-1h.jsonc'), DATA_ENV);
    expect(warnings).toEqual([]);
    expect(config.freq).toBe('1h');
    expect(config.features_horizon).toBe(672);
    expect(config.train_length).toBe(0);
    expect(config.predict_length).toBe(168);
    expect(config.feature_sets[0]!.config).toEqual({ columns: ['close'], functions: ['SMA'], windows: [1, 3, 6, 12, 24, 168, 672] });
    expect(config.train_features).toHaveLength(16);
    expect(config.algorithms).toEqual([{ name: 'svc', algo: 'svc', params: { is_scale: true, length: 26280 }, train: { C: 1.0 } }]);
    const bands = (config.output_sets[0]!.config as { positive_bands: Array<{ frequency: unknown }> }).positive_bands;
    expect(bands.map((b) => b.frequency)).toEqual([null, null, null]);
  });

  it('the MT5 sample loads with its four data sources', () => {
    const { config, warnings } = loadConfig(path.join(SAMPLES, 'config-mt5-sample-1h.jsonc'), DATA_ENV);
    expect(warnings).toEqual([]);
    expect(config.venue).toBe('mt5');
    expect(config.symbol).toBe('BTCUSD');
    expect(config.mt5_password).toBe('');
    expect(config.data_sources.map((d) => `${d.folder}/${d.file}`)).toEqual(['BTCUSD/klines', 'BTCUSD/ticks', 'EURUSD/klines', 'GBPUSD/klines']);
    expect(config.data_sources[1]!.chunk_size).toBe(10);
  });
});

describe('bad config values', () => {
  it('a wrong type names the key path and what was expected', () => {
    const msg = userErrorOf(() => buildConfig({ freq: '1h', train_length: 'many' }, { env: {} }));
    expect(msg).toContain('train_length');
    expect(msg).toContain('expected a number');
    expect(msg).toContain('"many"');
  });

  it('a wrong type deep inside a list names the index', () => {
    const msg = userErrorOf(() => buildConfig({ data_sources: [{ folder: 'BTCUSDT' }, { folder: 7 }] }, { env: {} }));
    expect(msg).toContain('data_sources[1].folder');
    expect(msg).toContain('expected a string');
  });

  it('a negative count is refused', () => {
    const msg = userErrorOf(() => buildConfig({ label_horizon: -5 }, { env: {} }));
    expect(msg).toMatch(/label_horizon: expected a value ≥ 0, got -5/);
  });

  it('a fractional count is refused', () => {
    const msg = userErrorOf(() => buildConfig({ predict_length: 2.5 }, { env: {} }));
    expect(msg).toContain('predict_length');
  });

  it('a bad enum lists the allowed values', () => {
    const msg = userErrorOf(() => buildConfig({ algorithms: [{ name: 'x', algo: 'xgboost2' }] }, { env: {} }));
    expect(msg).toContain('algorithms[0].algo');
    expect(msg).toContain('"lc", "nn", "gb", "svc"');
  });

  it('a value of neither allowed type says what the alternatives are', () => {
    expect(userErrorOf(() => buildConfig({ telegram: { channel: true } }, { env: {} }))).toBe('config: key telegram.channel: expected a string or a number, got true');
    expect(userErrorOf(() => buildConfig({ rolling_predict: { data_start: 1.5 } }, { env: {} }))).toContain('expected a string or a whole number, got 1.5');
  });

  it('a JSONC syntax error gives line and column', () => {
    const file = writeConfig('broken.jsonc', '{\n  "freq": "1h",\n  "symbol" "BTCUSDT"\n}\n');
    const msg = userErrorOf(() => loadConfig(file, {}));
    expect(msg).toMatch(/^broken\.jsonc line 3, column 12: /);
  });

  it('a missing file is one sentence', () => {
    const msg = userErrorOf(() => loadConfig(path.join(tmp, 'nope.jsonc'), {}));
    expect(msg).toContain('cannot be read');
  });

  it('a `//` inside a string survives while comments go', () => {
    const file = writeConfig(
      'urls.jsonc',
      '{\n  // a comment\n  "exchange": {"api_root": "http://127.0.0.1:9999/x"}, // trailing\n  "description": "a // b", /* block */\n}\n',
    );
    const { config } = loadConfig(file, {});
    expect(config.exchange.api_root).toBe('http://127.0.0.1:9999/x');
    expect(config.description).toBe('a // b');
  });

  it('an unknown key is a warning, not a failure', () => {
    const { config, warnings } = buildConfig({ symbol: 'ETHUSDT', frequency: '1h', telegram: { tokn: 'x' } }, { env: DATA_ENV, label: 'c.jsonc' });
    expect(config.symbol).toBe('ETHUSDT');
    expect(warnings).toEqual(['c.jsonc: unknown key frequency (ignored)', 'c.jsonc: unknown key telegram.tokn (ignored)']);
    const misspelt = buildConfig({ data_sources: [{ folder: 'BTCUSDT', colum_prefix: 'btc' }] }, { env: DATA_ENV, label: 'c.jsonc' });
    expect(misspelt.warnings).toEqual(['c.jsonc: unknown key data_sources[0].colum_prefix (ignored)']);
  });

  it('the top level must be an object', () => {
    expect(userErrorOf(() => parseJsoncText('[1, 2', 'x.jsonc'))).toContain('x.jsonc line 1');
    expect(userErrorOf(() => buildConfig([1, 2], { env: {} }))).toContain('the top level must be an object');
  });
});

describe('environment overrides', () => {
  const base = {
    telegram_bot_token: 'file-token',
    telegram_chat_id: '-100200',
    api_key: 'file-key',
    api_secret: 'file-secret',
    data_folder: '/data/from/file',
    telegram: { admins: [1] },
    exchange: { api_root: 'http://file' },
  };

  it('without env the flat original keys feed our sections', () => {
    const { config } = buildConfig(base, { env: {} });
    expect(config.telegram.token).toBe('file-token');
    expect(config.telegram.channel).toBe('-100200');
    expect(config.exchange.api_key).toBe('file-key');
    expect(config.exchange.api_secret).toBe('file-secret');
    expect(config.telegram.admins).toEqual([1]);
  });

  it('every variable wins over the file', () => {
    const { config } = buildConfig(base, {
      env: {
        TELEGRAM_BOT_TOKEN: 'env-token',
        TELEGRAM_ADMINS: '111, 222',
        TELEGRAM_CHANNEL: '-100999',
        EXCHANGE_API_KEY: 'env-key',
        EXCHANGE_API_SECRET: 'env-secret',
        EXCHANGE_API_ROOT: 'http://127.0.0.1:1234',
        ITB_DATA_FOLDER: '/data/from/env',
        LOG_LEVEL: 'debug',
      },
    });
    expect(config.telegram.token).toBe('env-token');
    expect(config.telegram.admins).toEqual([111, 222]);
    expect(config.telegram.channel).toBe(-100999);
    expect(config.exchange.api_key).toBe('env-key');
    expect(config.exchange.api_secret).toBe('env-secret');
    expect(config.exchange.api_root).toBe('http://127.0.0.1:1234');
    expect(config.data_folder).toBe('/data/from/env');
    expect(config.log_level).toBe('debug');
  });

  it('a channel name stays a string', () => {
    const { config } = buildConfig({}, { env: { TELEGRAM_CHANNEL: '@itb_signals' } });
    expect(config.telegram.channel).toBe('@itb_signals');
  });

  it('env fills a "<token>" placeholder of a sample file', () => {
    const { config } = loadConfig(path.join(SAMPLES, 'config-sample-1min.jsonc'), { TELEGRAM_BOT_TOKEN: '123:abc', EXCHANGE_API_KEY: 'k1' });
    expect(config.telegram.token).toBe('123:abc');
    expect(config.exchange.api_key).toBe('k1');
  });

  it('placeholders inside our own sections count as empty too', () => {
    const { config } = buildConfig({ telegram: { token: '<your-token>' }, exchange: { api_secret: '<secret>' } }, { env: {} });
    expect(config.telegram.token).toBe('');
    expect(config.exchange.api_secret).toBe('');
  });

  it('a log level that is not one is named, in the file or in LOG_LEVEL', () => {
    expect(userErrorOf(() => buildConfig({ log_level: 'verbose' }, { env: {} }))).toBe(
      'config: key log_level: expected one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "verbose"',
    );
    expect(userErrorOf(() => buildConfig({}, { env: { LOG_LEVEL: 'verbose' } }))).toBe('LOG_LEVEL: "verbose" is not a log level (use one of fatal, error, warn, info, debug, trace, silent)');
    expect(buildConfig({ log_level: 'WARN' }, { env: {} }).config.log_level).toBe('warn');
  });

  it('a non-numeric admin id is a clear error', () => {
    const msg = userErrorOf(() => buildConfig({}, { env: { TELEGRAM_ADMINS: '123,@bob' } }));
    expect(msg).toBe('TELEGRAM_ADMINS: "@bob" is not a numeric Telegram user id');
  });

  it('empty variables do not erase file values', () => {
    const { config } = buildConfig(base, { env: { TELEGRAM_BOT_TOKEN: '', ITB_DATA_FOLDER: '' } });
    expect(config.telegram.token).toBe('file-token');
    expect(config.data_folder).toBe('/data/from/file');
  });
});
