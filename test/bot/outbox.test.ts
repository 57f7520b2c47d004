import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Outbox, type OutboxItem } from '../../src/bot/outbox.ts';
import { SendLimiter } from '../../src/bot/sendLimiter.ts';
import { inQuietHours } from '../../src/bot/publisher.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'itb-outbox-'));
const text = (chatId: number, t: string) => ({ chatId, kind: 'text' as const, text: t, topic: 'text' });

describe('outbox', () => {
  it('after a crash re-sends exactly what was not acknowledged, in order per chat', async () => {
    const dir = tmp();
    const first = Outbox.open(dir);
    const delivered: string[] = [];
    let calls = 0;
    // The "crashed" process: the 3rd send never answers, and the process is abandoned.
    first.start(async (item) => {
      calls++;
      if (calls === 3) return new Promise(() => {});
      delivered.push(`${item.chatId}:${item.text}`);
      return { status: 'sent' };
    }, { concurrency: 1 });
    first.enqueue([text(1, 'a'), text(1, 'b'), text(2, 'c'), text(2, 'd'), text(1, 'e')]);
    await new Promise((r) => setTimeout(r, 50));
    expect(delivered).toEqual(['1:a', '2:c']);

    const second = Outbox.open(dir);
    expect(second.pending).toBe(3);
    const again: string[] = [];
    second.start(async (item) => {
      again.push(`${item.chatId}:${item.text}`);
      return { status: 'sent' };
    });
    await second.idle();
    expect(again.sort()).toEqual(['1:b', '1:e', '2:d']);
    expect(again.indexOf('1:b')).toBeLessThan(again.indexOf('1:e'));
    expect(Outbox.open(dir).pending).toBe(0);
  });

  it('retries after the asked delay, gives up after maxAttempts, drops a blocked chat’s queue', async () => {
    const dir = tmp();
    const box = Outbox.open(dir);
    box.maxAttempts = 3;
    const tries = new Map<string, number>();
    box.start(async (item: OutboxItem) => {
      const n = (tries.get(item.text!) ?? 0) + 1;
      tries.set(item.text!, n);
      if (item.text === 'flaky' && n < 2) return { status: 'retry', afterMs: 20, reason: '502' };
      if (item.text === 'never') return { status: 'retry', afterMs: 5, reason: 'timeout' };
      return { status: 'sent' };
    });
    box.enqueue([text(1, 'flaky'), text(2, 'never'), text(2, 'after-never')]);
    await box.idle();
    expect(tries.get('flaky')).toBe(2);
    expect(tries.get('never')).toBe(3);
    expect(tries.get('after-never')).toBe(1);
    expect(box.stats).toEqual({ sent: 2, dropped: 1, retried: 3 });

    const held = Outbox.open(tmp());
    held.enqueue([text(5, 'x'), text(5, 'y'), text(6, 'z')]);
    expect(held.dropChat(5, 'blocked the bot')).toBe(2);
    expect(held.pending).toBe(1);
  });

  it('resumes after stop() and start() on the same instance, retries included', async () => {
    const box = Outbox.open(tmp());
    let fail = true;
    const sent: string[] = [];
    const deliver = async (item: OutboxItem) => {
      if (fail) return { status: 'retry' as const, afterMs: 200, reason: '502' };
      sent.push(item.text!);
      return { status: 'sent' as const };
    };
    box.start(deliver);
    box.enqueue([text(1, 'a'), text(2, 'b')]);
    await new Promise((r) => setTimeout(r, 30));
    await box.stop();
    fail = false;
    box.start(deliver);
    await box.idle();
    expect(sent.sort()).toEqual(['a', 'b']);
  });

  it('starts the journal afresh when it has grown and nothing is pending', async () => {
    const dir = tmp();
    const box = Outbox.open(dir);
    box.start(async () => ({ status: 'sent' }));
    box.enqueue(Array.from({ length: 10_001 }, (_, i) => text(i, 'x')));
    await box.idle();
    expect(fs.readFileSync(path.join(dir, 'outbox.jsonl'), 'utf8')).toBe('');
    box.enqueue([text(1, 'after')]);
    expect(Outbox.open(dir).pending).toBe(1);
  });

  it('queues a keyed post once: its repeat after a restart, a compaction or many other posts is ignored', async () => {
    const dir = tmp();
    const box = Outbox.open(dir);
    const sent: string[] = [];
    box.start(async (item) => {
      sent.push(`${item.chatId}:${item.text}`);
      return { status: 'sent' };
    });
    expect(box.enqueue([text(1, 'bar 1'), text(2, 'bar 1')], { once: 'score:1' })).toHaveLength(2);
    expect(box.enqueue([text(1, 'bar 1 again')], { once: 'score:1' })).toEqual([]);
    await box.idle();
    // The idle compaction (past 20,000 journal lines) keeps the keys.
    box.enqueue(Array.from({ length: 20_001 }, (_, i) => text(i, 'x')));
    await box.idle();
    expect(fs.readFileSync(path.join(dir, 'outbox.jsonl'), 'utf8').split('\n').filter(Boolean)).toEqual(['{"op":"once","key":"score:1"}']);
    await box.stop();

    // A restart: the service redoes the bar it had not recorded as processed.
    const again = Outbox.open(dir);
    expect(again.has('score:1')).toBe(true);
    expect(again.enqueue([text(1, 'bar 1 redone')], { once: 'score:1' })).toEqual([]);
    expect(again.enqueue([text(1, 'bar 2')], { once: 'score:2' })).toHaveLength(1);
    expect(sent.filter((s) => s.includes('bar 1'))).toEqual(['1:bar 1', '2:bar 1']);
    // A journal whose key line was cut by a crash keeps the messages (a repeat is possible, a loss is not).
    const journal = path.join(dir, 'outbox.jsonl');
    const lines = fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    expect(lines.at(-1)).toBe('{"op":"once","key":"score:2"}');
    fs.writeFileSync(journal, [...lines.slice(0, -1), lines.at(-1)!.slice(0, 12)].join('\n'));
    const third = Outbox.open(dir);
    expect(third.pending).toBe(1);
    expect(third.has('score:2')).toBe(false);
    expect(third.has('score:1')).toBe(true);
  });

  it('keeps a shared photo file until its last chat got it', async () => {
    const dir = tmp();
    const box = Outbox.open(dir);
    fs.mkdirSync(box.filesDir, { recursive: true });
    const file = path.join(box.filesDir, 'd.png');
    fs.writeFileSync(file, 'png');
    box.enqueue([1, 2, 3].map((chatId) => ({ chatId, kind: 'photo' as const, photoFile: file, topic: 'diagram' })));
    let seen = 0;
    box.start(async () => {
      seen++;
      expect(fs.existsSync(file)).toBe(true);
      return { status: 'sent' };
    });
    await box.idle();
    expect(seen).toBe(3);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('send limiter', () => {
  it('holds a group to its per-window count, counting each send until a window after its answer', async () => {
    const limiter = new SendLimiter({ overall: { count: 100, windowMs: 100 }, perChat: { count: 1, windowMs: 50 }, perGroup: { count: 3, windowMs: 120 } });
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 9 }, async () => {
        const done = await limiter.acquire('-100777');
        times.push(performance.now());
        await new Promise((r) => setTimeout(r, 10)); // the request's round trip
        done();
      }),
    );
    times.sort((a, b) => a - b);
    for (let i = 3; i < times.length; i++) expect(times[i]! - times[i - 3]!).toBeGreaterThanOrEqual(120);
  });

  it('lets replies burst in a private chat but holds broadcasts to one per window (on a stopped clock)', async () => {
    let clock = 1000;
    const limiter = new SendLimiter({ overall: { count: 100, windowMs: 1000 }, perChat: { count: 1, windowMs: 300 }, perGroup: { count: 3, windowMs: 1000 } }, () => clock);
    for (let i = 0; i < 3; i++) (await limiter.acquire(42, undefined, true))();
    (await limiter.acquire(43))();
    let second = false;
    const pending = limiter.acquire(43).then((done) => {
      second = true;
      done();
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(second).toBe(false); // the clock has not moved: the chat's window is still full
    clock += 300;
    await pending;
    expect(second).toBe(true);
  });
});

describe('quiet hours', () => {
  it('wrap past midnight', () => {
    expect(inQuietHours([22, 7], 23)).toBe(true);
    expect(inQuietHours([22, 7], 3)).toBe(true);
    expect(inQuietHours([22, 7], 7)).toBe(false);
    expect(inQuietHours([1, 5], 0)).toBe(false);
    expect(inQuietHours(null, 3)).toBe(false);
  });
});
