import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCsv } from '../../src/storage/csv.ts';
import { readTable } from '../../src/storage/table.ts';
import { realMinutes } from '../engine/helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ITB = path.join(ROOT, 'bin/itb.mjs');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-startup-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const run = promisify(execFile);

interface Build {
  bundledCli(): Promise<string | null>;
  bundledEntry(name: string): Promise<string | null>;
  bundledModule(file: string): Promise<string | null>;
}
const build = (): Promise<Build> => import(path.join(ROOT, 'bin/build.mjs')) as Promise<Build>;

describe('the itb command runs a bundle of src/ kept in step with the sources', () => {
  it('the bundle is in node_modules/.cache/itb-ts and made once for the same sources', async () => {
    const { bundledCli } = await build();
    const first = await bundledCli();
    expect(first).toMatch(/node_modules\/\.cache\/itb-ts\/[0-9a-f]{16}\/cli\.js$/);
    expect(fs.existsSync(first!)).toBe(true);
    expect(await bundledCli()).toBe(first);
  });

  it('the worker threads (training, grid search, CSV reading) start from the same bundle', async () => {
    const { bundledCli, bundledEntry } = await build();
    const dir = path.dirname((await bundledCli())!);
    for (const name of ['trainWorker', 'gridWorker', 'csvWorker']) {
      expect(await bundledEntry(name)).toBe(path.join(dir, `${name}.js`));
      expect(fs.existsSync(path.join(dir, `${name}.js`))).toBe(true);
    }
    for (const boot of ['src/models/trainWorkerBoot.mjs', 'src/core/backtest/gridWorker.mjs', 'src/storage/csvWorker.mjs']) {
      expect(fs.readFileSync(path.join(ROOT, boot), 'utf8')).toMatch(/await importEntry\('(train|grid|csv)Worker'/);
    }
  });

  it("a user's TypeScript module is bundled again when it changes", async () => {
    const { bundledModule } = await build();
    const file = path.join(dir, 'mine.ts');
    fs.writeFileSync(file, 'export const version = (): string => "one";\n');
    const out = await bundledModule(file);
    expect(fs.readFileSync(out!, 'utf8')).toContain('"one"');
    fs.writeFileSync(file, 'export const version = (): string => "two";\n');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(await bundledModule(file)).toBe(out);
    expect(fs.readFileSync(out!, 'utf8')).toContain('"two"');
  });

  it('`itb features` from the bundle runs a custom TypeScript generator next to the config, and its UserError is one line', async () => {
    const data = path.join(dir, 'data');
    writeCsv(path.join(data, 'BTCUSDT', 'data.csv'), realMinutes().tail(200));
    fs.writeFileSync(
      path.join(dir, 'gen.ts'),
      [
        `import { UserError } from '${path.join(ROOT, 'src/shared/errors.ts')}';`,
        `import type { Frame } from '${path.join(ROOT, 'src/core/frame.ts')}';`,
        'export function twice(frame: Frame, config: Record<string, unknown>): string[] {',
        "  if (config.fail) throw new UserError('gen: fail is set');",
        "  frame.set('close_twice', frame.get('close').map((v) => 2 * v));",
        "  return ['close_twice'];",
        '}',
      ].join('\n'),
    );
    const config = (fail: boolean) => {
      const file = path.join(dir, fail ? 'fail.jsonc' : 'ok.jsonc');
      fs.writeFileSync(file, JSON.stringify({ data_folder: data, symbol: 'BTCUSDT', freq: '1min', train: true, train_length: 0, feature_sets: [{ generator: './gen.ts:twice', config: { fail } }] }));
      return file;
    };
    await run(process.execPath, [ITB, 'features', '-c', config(false)], { env: { ...process.env, ITB_TSX: '' } });
    const features = await readTable(path.join(data, 'BTCUSDT', 'features.csv'));
    expect(features.get('close_twice')[5]).toBe(2 * features.get('close')[5]!);
    const failed = await run(process.execPath, [ITB, 'features', '-c', config(true)], { env: { ...process.env, ITB_TSX: '' } }).catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr.trim().split('\n').at(-1)).toMatch(/gen: fail is set$/);
  });
});
