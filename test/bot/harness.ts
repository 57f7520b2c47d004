import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createBot } from '../../src/app/bot.ts';
import { openBotStore, type BotDeps, type ItbBot } from '../../src/bot/createBot.ts';
import type { BotServices } from '../../src/bot/services.ts';
import { startFakeTelegram, type FakeMessage, type FakeTelegram, type FakeUser } from '../fakes/telegram.ts';

export const ADMIN: FakeUser = { id: 1, first_name: 'Ada', username: 'ada_admin' };
export const USER: FakeUser = { id: 2001, first_name: 'Bob' };

import { SAMPLE_SCORE_OUTPUT } from './sampleBands.ts';

export { SAMPLE_SCORE_OUTPUT };

export interface Harness {
  fake: FakeTelegram;
  itb: ItbBot;
  config: Config;
  stateDir: string;
  /** Sends `text` as `user` and resolves with the first new message in their chat matching `pred`. */
  ask(user: FakeUser, text: string, pred?: (m: FakeMessage) => boolean, timeoutMs?: number): Promise<FakeMessage>;
  close(): Promise<void>;
}

/**
 * A bot long-polling a loopback fake Telegram, pointed at it through TELEGRAM_API_ROOT,
 * TELEGRAM_BOT_TOKEN and TELEGRAM_ADMINS exactly as a user would configure it.
 */
export async function startHarness(options: {
  services?: BotServices;
  raw?: Record<string, unknown>;
  env?: Record<string, string>;
  deps?: Partial<BotDeps>;
  fake?: FakeTelegram;
  stateDir?: string;
} = {}): Promise<Harness> {
  const fake = options.fake ?? (await startFakeTelegram());
  const stateDir = options.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'itb-bot-'));
  const raw = { symbol: 'BTCUSDT', freq: '1min', output_sets: [SAMPLE_SCORE_OUTPUT], service: { state_folder: stateDir }, telegram: { rate_limit_per_minute: 1000 }, ...options.raw };
  const env = { TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_ADMINS: String(ADMIN.id), TELEGRAM_CHANNEL: '-100777', ...options.env };
  const { config } = buildConfig(raw, { env });
  const store = await openBotStore(stateDir);
  const itb = createBot({ config, store, services: options.services, progressEditMs: 30, requestTimeoutSeconds: 5, confirmMs: 2000, ...options.deps });
  await itb.startPolling({ pollTimeoutSeconds: 1 });
  return {
    fake,
    itb,
    config,
    stateDir,
    async ask(user, text, pred = () => true, timeoutMs = 10_000) {
      const before = new Set(fake.chat(user.id).map((m) => m.message_id));
      fake.userSays(user, text);
      return fake.waitForMessage(user.id, (m) => !before.has(m.message_id) && pred(m), timeoutMs);
    },
    async close() {
      await itb.stop();
      if (!options.fake) await fake.close();
    },
  };
}
