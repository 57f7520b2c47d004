/**
 * A process that posts one bar's messages to the channel through the bot's outbox and exits
 * once they are delivered: the outbox fault tests kill it (-9) at chosen moments and run it
 * again, as a service redoing the bar after a crash would. Environment: TELEGRAM_API_ROOT,
 * TELEGRAM_BOT_TOKEN, TELEGRAM_CHANNEL, STATE_DIR, POSTS (how many).
 */
import { buildConfig } from '../../src/config/load.ts';
import { createBot, openBotStore } from '../../src/bot/createBot.ts';

const { config } = buildConfig({ symbol: 'BTCUSDT', freq: '1min' }, { env: process.env });
const store = await openBotStore(process.env.STATE_DIR!);
const itb = createBot({ config, store, requestTimeoutSeconds: 60 });
for (let i = 1; i <= Number(process.env.POSTS); i++) itb.publisher.publishText(`post ${i}`, { key: `bar:10:00:${i}` });
itb.startOutbox();
await itb.publisher.outbox.idle();
await itb.stop();
