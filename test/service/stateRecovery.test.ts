import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSubscriber, emptyBotState } from '../../src/bot/state.ts';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.ts';
import { readmePromises } from '../readmePromises.ts';
import { escapeRe, itb, killStrays, logLines, serveRaw, trainBefore, writeConfig } from './cliService.ts';

/** The README's promise about damaged state files, word for word (this file and test/foundation/stateFiles.test.ts prove it). */
const STATE_FILES_PROMISE =
  'Every write of `bot-state.json` (subscribers), `trader.json` (the paper ledger) and `service.json` (the last processed bar) first writes its last good copy `<file>.bak`. A file found damaged (cut short, not JSON) is moved aside as `<file>.damaged-<ms>` and restored from that copy, with a warning; so is a missing file (delete both to start afresh). When the copy is damaged too, that file starts from its defaults with an error in the log and the same sentence to the admins, naming the file and where the damaged copies are. Damaged files are never deleted.';

/**
 * `itb serve` on a data folder whose state files were damaged while it was down: subscribers
 * come back from the last good copy of bot-state.json; a trader.json whose copy is damaged too
 * starts afresh, loudly: an error line in the log and a message to the admins naming the file
 * and where the damaged copies are.
 */
const START = '2025-11-29 00:00:00';
const CHANNEL = '@itb_state_channel';
const ADMIN = 7;
const SUBSCRIBER = 501;

let dir: string;
let telegram: FakeTelegram;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-state-recovery-'));
  telegram = await startFakeTelegram();
  await trainBefore(writeConfig(dir, serveRaw(dir, { start: START, end: START, speed: 0 })).config, START);
}, 120_000);

afterAll(async () => {
  killStrays();
  await telegram?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('itb serve after its state files were damaged', () => {
  it('restores the subscribers from the last good copy, and says loudly (log error, admins) that the trader starts afresh', async () => {
    const symbolDir = path.join(dir, 'BTCUSDT');
    const stateDir = path.join(symbolDir, 'state');
    fs.mkdirSync(stateDir, { recursive: true });
    const bot = { ...emptyBotState(), subscribers: { [SUBSCRIBER]: defaultSubscriber(SUBSCRIBER, 'Ada') } };
    const text = JSON.stringify(bot, null, 1);
    fs.writeFileSync(path.join(stateDir, 'bot-state.json.bak'), text);
    fs.writeFileSync(path.join(stateDir, 'bot-state.json'), text.slice(0, text.length / 2));
    const trader = path.join(symbolDir, 'trader.json');
    fs.writeFileSync(trader, '{"mode": "paper", "books": {"pa');
    fs.writeFileSync(`${trader}.bak`, '{"mode": "paper", "bo');

    const tg = { token: telegram.token, api_root: telegram.apiRoot, channel: CHANNEL, admins: [ADMIN] };
    const { file } = writeConfig(dir, serveRaw(dir, { start: START, end: '2025-11-29 00:10:00', speed: 0, extra: { telegram: tg } }));
    const service = itb(['serve', '-c', file]);
    expect((await service.exited).code).toBe(0);

    const lines = logLines(service.stderr);
    const botFile = path.join(stateDir, 'bot-state.json');
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringMatching(new RegExp(`^state file ${escapeRe(botFile)} was damaged \\(kept as ${escapeRe(botFile)}\\.damaged-\\d+\\); restored from its last good copy ${escapeRe(botFile)}\\.bak$`)) }));
    const loud = new RegExp(`^state file ${escapeRe(trader)} was damaged \\(kept as (${escapeRe(trader)}\\.damaged-\\d+)\\) and its last good copy was damaged too \\(kept as (${escapeRe(trader)}\\.bak\\.damaged-\\d+)\\): starting from defaults$`);
    const error = lines.find((l) => l.level === 'error' && loud.test(l.msg));
    expect(error).toBeDefined();
    const [, aside, bakAside] = loud.exec(error!.msg)!;
    expect(fs.readFileSync(aside!, 'utf8')).toBe('{"mode": "paper", "books": {"pa');
    expect(fs.readFileSync(bakAside!, 'utf8')).toBe('{"mode": "paper", "bo');

    // The admins are told, with the same sentence.
    expect(telegram.chat(ADMIN).map((m) => m.text)).toContain(`⚠️ ${error!.msg}`);
    // The subscriber is still subscribed: the channel's posts reached them too.
    const posts = telegram.chat(CHANNEL).map((m) => m.text);
    expect(posts.length).toBeGreaterThan(0);
    expect(telegram.chat(SUBSCRIBER).map((m) => m.text)).toEqual(expect.arrayContaining(posts));
    expect(readmePromises()).toContain(STATE_FILES_PROMISE);
  }, 120_000);
});
