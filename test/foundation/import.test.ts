import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import type { JobContext } from '../../src/jobs/context.ts';
import { parseImportArgs, run } from '../../src/jobs/import.ts';
import { readCsv } from '../../src/storage/csv.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-import-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let caseNo = 0;

function write(name: string, text: string, gz = false): string {
  const p = path.join(root, `in${caseNo}`, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, gz ? zlib.gzipSync(text) : text);
  return p;
}

function context(args: string[]): { ctx: JobContext; data: string } {
  const data = path.join(root, `data${caseNo}`);
  const config = buildConfig({ data_folder: data, symbol: 'BTCUSDT', data_sources: [{ folder: 'BTCUSDT', file: 'klines' }] }, { env: {} }).config;
  const log = { info() {}, warn() {}, error() {}, debug() {} };
  return { data, ctx: { config, configFile: '', args, log: log as unknown as JobContext['log'], progress: () => {} } };
}

const HEADER = 'timestamp,open,high,low,close,volume,close_time,quote_av,trades,tb_base_av,tb_quote_av,ignore';

describe('itb import', () => {
  it('Binance dump files (ms before 2025, µs since) merge with the stored klines', async () => {
    caseNo++;
    const { ctx, data } = context([]);
    fs.mkdirSync(path.join(data, 'BTCUSDT'), { recursive: true });
    fs.writeFileSync(
      path.join(data, 'BTCUSDT', 'klines.csv'),
      `${HEADER}\n2024-12-31 23:58:00,1,1,1,1,1,1735689539999,1,1,1,1,0\n2024-12-31 23:59:00,2,2,2,2,2,1735689599999,2,2,2,2,0\n`,
    );
    const dec = write(
      'BTCUSDT-1m-2024-12-31.csv',
      '1735689540000,93500.01,93510.00,93490.00,93500.50,1.23400000,1735689599999,115382.1,120,0.50000000,46750.25,0\n',
    );
    const jan = write(
      'BTCUSDT-1m-2025-01-01.csv.gz',
      '1735689600000000,93576.00000000,93610.93000000,93537.50000000,93610.93000000,8.21827000,1735689659999999,769114.00437470,1074,3.93600000,368358.82305330,0\n' +
        '1735689660000000,93610.93,93665.28,93606.56,93665.28,11.93575,1735689719999999,1117434.63,1357,9.74357,912229.55,0\n',
      true,
    );
    ctx.args = [dec, jan];
    await run(ctx);
    const text = fs.readFileSync(path.join(data, 'BTCUSDT', 'klines.csv'), 'utf8');
    expect(text).toBe(
      [
        HEADER,
        '2024-12-31 23:58:00,1,1,1,1,1,1735689539999,1,1,1,1,0',
        '2024-12-31 23:59:00,93500.01,93510,93490,93500.5,1.234,1735689599999,115382.1,120,0.5,46750.25,0',
        '2025-01-01 00:00:00,93576,93610.93,93537.5,93610.93,8.21827,1735689659999,769114.0043747,1074,3.936,368358.8230533,0',
        '2025-01-01 00:01:00,93610.93,93665.28,93606.56,93665.28,11.93575,1735689719999,1117434.63,1357,9.74357,912229.55,0',
        '',
      ].join('\n'),
    );
  });

  it('header files of other exports (open_time, number_of_trades, taker_buy_base, …) into --folder', async () => {
    caseNo++;
    const file = write(
      'ETHUSDT-1h.csv.gz',
      'open_time,open,high,low,close,volume,close_time,quote_asset_volume,number_of_trades,taker_buy_base,taker_buy_quote\n' +
        '1640998800000,3721.67,3747.78,3712.65,3723.71,39219.106,1641002399999,146317257.35853,64434,18168.829,67786440.02043\n' +
        '1640995200000,3676.01,3730,3676.01,3721.67,45835.92,1640998799999,169820419.78373,67207,25533.254,94627622.74371\n',
      true,
    );
    const { ctx, data } = context([file, '--folder', 'ETHUSDT']);
    await run(ctx);
    const f = readCsv(path.join(data, 'ETHUSDT', 'klines.csv'));
    expect(Array.from(f.time)).toEqual([1640995200000, 1640998800000]);
    expect(Array.from(f.get('trades'))).toEqual([67207, 64434]);
    expect(Array.from(f.get('tb_quote_av'))).toEqual([94627622.74371, 67786440.02043]);
    expect(Array.from(f.get('ignore'))).toEqual([0, 0]);
  });

  it("the original's daily klines with YYYY-MM-DD timestamps", async () => {
    caseNo++;
    const file = write(
      'klines-1d.csv',
      `${HEADER}\n2017-08-17,4261.48,4485.39,4200.74,4285.08,795.150377,1503014399999,3454770.05073206,3427,616.248541,2678216.40060401,0\n` +
        '2017-08-18,4285.08,4371.52,3938.77,4108.37,1199.888264,1503100799999,5086958.30617151,5233,972.86871,4129123.31651808,0\n',
    );
    const { ctx, data } = context([file, '--folder=BTCUSDT-1d']);
    await run(ctx);
    const f = readCsv(path.join(data, 'BTCUSDT-1d', 'klines.csv'));
    expect(Array.from(f.time)).toEqual([Date.UTC(2017, 7, 17), Date.UTC(2017, 7, 18)]);
    expect(f.get('close')[1]).toBe(4108.37);
  });

  it('says what is wrong in one sentence', async () => {
    caseNo++;
    expect(() => parseImportArgs([])).toThrow('name at least one file to import (usage: itb import -c CONFIG FILE… [--folder NAME])');
    expect(() => parseImportArgs(['a.csv', '--folder'])).toThrow('--folder needs a name');
    expect(() => parseImportArgs(['a.csv', '--fast'])).toThrow('unknown option --fast');
    const zip = write('BTCUSDT-1m-2025-01.zip', 'PK\u0003\u0004rest');
    await expect(run(context([zip]).ctx)).rejects.toThrow('BTCUSDT-1m-2025-01.zip is a zip archive; unzip it and import the CSV inside');
    const noClose = write('x.csv', 'timestamp,open,high,low,volume\n2024-01-01 00:00:00,1,2,0,5\n');
    await expect(run(context([noClose]).ctx)).rejects.toThrow('x.csv has no close column (columns: open, high, low, volume)');
    const broken = write('broken.csv', '1704067200000,1,2,0,1.5,3,1704067259999,1,1,1,1,0\n1704067260000,1,2,zero,1.5,3,1704067319999,1,1,1,1,0\n');
    await expect(run(context([broken]).ctx)).rejects.toThrow('broken.csv line 2: "zero" in column low is not a number');
    const short = write('short.csv', '1704067200000,1,2,0,1.5,3,1704067259999,1,1,1,1,0\n1704067260000,1,2,0,1.5,1704067319999,1,1,1,1,0\n');
    await expect(run(context([short]).ctx)).rejects.toThrow('short.csv line 2: expected 12 values, found 11');
    await expect(run(context([path.join(root, 'nope.csv')]).ctx)).rejects.toThrow(/nope\.csv does not exist/);
  });
});
