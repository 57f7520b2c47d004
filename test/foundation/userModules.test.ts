import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { Frame } from '../../src/core/frame.ts';
import { runGeneratorSet } from '../../src/core/generators/index.ts';
import { parseFreq } from '../../src/core/time.ts';
import { createOutputs } from '../../src/jobs/service/outputs/index.ts';
import { ConsolePublisher } from '../../src/jobs/service/outputs/consolePublisher.ts';
import type { OutputBar } from '../../src/jobs/service/ports.ts';
import { RecentBars } from '../../src/jobs/service/recentBars.ts';
import { log } from '../../src/shared/log.ts';
import { loadCustomGenerator } from '../../src/storage/userModules.ts';

/**
 * One loader of a user's code (storage/userModules.ts): a custom output in output_sets is found,
 * imported and checked exactly as a custom generator is, and a missing one is the same sentence.
 */
let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-user-modules-'));
  fs.mkdirSync(path.join(dir, 'mine'));
  // One module with a generator and an output, named the original's way: "mine.hooks:<function>".
  fs.writeFileSync(
    path.join(dir, 'mine', 'hooks.ts'),
    `export const seen: string[] = [];
     export function doubled(frame: any) { const c = frame.get('close'); frame.set('close_x2', c.map((v: number) => v * 2)); return ['close_x2']; }
     export function record_bar(bar: any, cfg: any) { seen.push(cfg.label + ':' + bar.candle.close); }\n`,
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const config = (outputs: Array<{ generator: string; config?: Record<string, unknown> }>) => buildConfig({ data_folder: dir, output_sets: outputs }, { env: {} }).config;

function outputsOf(outputs: Array<{ generator: string; config?: Record<string, unknown> }>) {
  return createOutputs({
    config: config(outputs),
    configDir: dir,
    freq: parseFreq('1min'),
    publisher: new ConsolePublisher(dir, () => {}),
    recent: () => new RecentBars(10, []),
    log: log(),
  });
}

describe('custom generators and custom outputs come through one loader', () => {
  it('finds a generator and an output in the same module by the Python-style module path, next to the config', async () => {
    await loadCustomGenerator('mine.hooks:doubled', 'feature_sets[0]', dir);
    const f = new Frame([0, 60_000]);
    f.set('close', [1, 2.5]);
    expect(await runGeneratorSet(f, { generator: 'mine.hooks:doubled', config: {} }, config([]), { configDir: dir })).toEqual(['close_x2']);
    expect(Array.from(f.get('close_x2'))).toEqual([2, 5]);

    const [output] = await outputsOf([{ generator: 'mine.hooks:record_bar', config: { label: 'x' } }]);
    const bar: OutputBar = { candle: { time: 0, open: 1, high: 1, low: 1, close: 42, volume: 1 }, scored: { time: 0, values: {}, complete: true, computeMs: 0 }, fresh: true };
    await output!.run(bar, { get: () => undefined, set: () => {} });
    const mod = (await import(path.join(dir, 'mine', 'hooks.ts'))) as { seen: string[] };
    expect(mod.seen).toEqual(['x:42']);
  });

  it('says the same sentence, under its own config key, when the module or the function is missing', async () => {
    await expect(loadCustomGenerator('nowhere.mod:f', 'feature_sets[2]', dir)).rejects.toThrow(/^feature_sets\[2\]\.generator: "nowhere\.mod:f" is not a built-in generator and no module file was found for "nowhere\.mod" \(looked for /);
    await expect(outputsOf([{ generator: 'nowhere.mod:f' }])).rejects.toThrow(/^config: key output_sets\[0\]\.generator: "nowhere\.mod:f" is not a built-in output and no module file was found for "nowhere\.mod" \(looked for /);
    await expect(outputsOf([{ generator: 'mine.hooks:absent' }])).rejects.toThrow(/^config: key output_sets\[0\]\.generator: .*hooks\.ts has no function "absent" \(it exports: doubled, record_bar\)$/);
  });
});
