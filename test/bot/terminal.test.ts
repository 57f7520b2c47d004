import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.ts';
import { createBot, openBotStore } from '../../src/bot/createBot.ts';
import { startTerminalChat } from '../../src/bot/terminal.ts';
import { SAMPLE_SCORE_OUTPUT } from './harness.ts';

describe('terminal chat transport', () => {
  it('runs the same handlers with typed lines from a local admin, prints replies, saves photos, presses buttons by number', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-terminal-'));
    const { config } = buildConfig({ symbol: 'BTCUSDT', freq: '1min', output_sets: [SAMPLE_SCORE_OUTPUT], telegram: { channel: '@itb_demo' }, service: { state_folder: dir } }, { env: {} });
    expect(config.telegram.token).toBe('');
    const itb = createBot({
      config,
      store: await openBotStore(dir),
      progressEditMs: 10,
      services: {
        chart: async (hours) => ({ png: Uint8Array.from([0x89, 0x50, 0x4e, 0x47]), caption: `last ${hours} h` }),
        train: async (progress) => {
          progress({ stage: 'train high_20_lc', done: 1, total: 2, unit: 'models' });
          await new Promise((r) => setTimeout(r, 30));
          return { summary: 'Trained 2 models.' };
        },
      },
    });
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (d: Buffer) => (printed += d.toString('utf8')));
    const chat = await startTerminalChat(itb, { input, output, photoDir: path.join(dir, 'photos'), userId: 77 });
    await chat.type('/start');
    await chat.type('1'); // the Subscribe button
    await chat.type('/chart 3');
    await chat.type('/train');
    await itb.runtime.jobs.settled();
    await itb.publisher.publishScore('output_sets[0]', { time: Date.UTC(2025, 2, 1, 10, 0), close: 74896.99, score: 0.02 });
    await itb.publisher.outbox.idle();
    input.end();
    await chat.closed;
    await itb.stop();

    expect(printed).toContain('bot> Hello! I post machine-learning trade signals for BTCUSDT');
    expect(printed).toContain('    [1] 🔔 Subscribe');
    expect(printed).toContain('bot (edited)> Subscribed. Your settings:');
    expect(itb.runtime.state.data.subscribers['77']).toBeDefined();
    const photo = /bot> \[photo saved to (\S+)\] last 3 h/.exec(printed);
    expect(photo).not.toBeNull();
    expect(fs.readFileSync(photo![1]!)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect(printed).toContain('bot (edited)> ✅ Training BTCUSDT finished');
    // The local user is an admin; the channel's post and the subscriber's copy are printed.
    expect(printed).toContain('channel> *〉〉〉📈 ₿ 74,896 Indicator: +0.02 ↑   BUY ZONE 1min*');
    expect(printed).toContain('bot> *〉〉〉📈 ₿ 74,896 Indicator: +0.02 ↑   BUY ZONE 1min*');
  });
});
