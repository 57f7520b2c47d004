import type { Transformer } from 'grammy';
import type { SendLimiter } from './sendLimiter.ts';

/** Methods that post into a chat and count against Telegram's sending limits. */
const LIMITED = new Set([
  'sendMessage', 'sendPhoto', 'sendDocument', 'sendAnimation', 'sendVideo', 'sendAudio', 'sendMediaGroup',
  'sendSticker', 'editMessageText', 'editMessageCaption', 'editMessageReplyMarkup', 'copyMessage', 'forwardMessage',
]);

/**
 * An API transformer that admits each sending call through the limiter, and holds a chat for
 * the `retry_after` a 429 asks. Install it before auto-retry so every retry is throttled too.
 * `interactive` marks the API of command replies (bursts allowed in private chats).
 */
export function throttleTransformer(limiter: SendLimiter, interactive = false): Transformer {
  return async (prev, method, payload, signal) => {
    const chatId = (payload as { chat_id?: string | number } | undefined)?.chat_id;
    if (!LIMITED.has(method) || chatId === undefined) return prev(method, payload, signal);
    const finished = await limiter.acquire(chatId, signal as AbortSignal | undefined, interactive);
    let res;
    try {
      res = await prev(method, payload, signal);
    } finally {
      finished();
    }
    if (!res.ok && res.error_code === 429) {
      const retryAfter = res.parameters?.retry_after ?? 1;
      limiter.pause(retryAfter * 1000, chatId);
    }
    return res;
  };
}
