import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBot, openBotStore, type ItbBot } from '../../src/bot/createBot.ts';
import { botCommands } from '../../src/commands/index.ts';
import { help } from '../../src/commands/help.ts';
import { trade } from '../../src/commands/trade.ts';
import { buildConfig } from '../../src/config/load.ts';
import { startFakeTelegram, type FakeTelegram, type FakeUser } from '../fakes/telegram.ts';

/** The bot layer knows no command: it answers exactly the commands the commands layer hands it. */
const ADMIN: FakeUser = { id: 1, first_name: 'Ada' };
let fake: FakeTelegram;
let itb: ItbBot;
let dir = '';

beforeAll(async () => {
  fake = await startFakeTelegram();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-installed-'));
  const { config } = buildConfig({ service: { state_folder: dir } }, { env: { TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_ADMINS: String(ADMIN.id) } });
  itb = buildBot({ config, store: await openBotStore(dir), commands: botCommands([help, trade]), requestTimeoutSeconds: 5 });
  await itb.startPolling({ pollTimeoutSeconds: 1 });
});
afterAll(async () => {
  await itb.stop();
  await fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function ask(text: string): Promise<string> {
  const before = new Set(fake.chat(ADMIN.id).map((m) => m.message_id));
  fake.userSays(ADMIN, text);
  const m = await fake.waitForMessage(ADMIN.id, (x) => !before.has(x.message_id));
  return m.text ?? '';
}

describe('the bot installs the commands it is given', () => {
  it('answers those through its one command handler, and no other', async () => {
    expect((await ask('/help')).split('\n')).toEqual(['Commands:', '/help [command] — List commands, or explain one', '', 'Admin commands:', '/trade on|off|paper|live|status — Trading: on, off, paper, live, status', '', 'Send /help <command> for details.']);
    expect(await ask('/trade status')).toBe('Trading is not available in this process yet.');
    await fake.waitUntil(() => itb.runtime.state.data.audit.some((a) => a.command === '/trade status' && a.outcome === 'failed'), 5000, 'the audit of an admin command');
    expect(await ask('/status')).toBe('Unknown command /status; send /help for the list.');
  });
});
