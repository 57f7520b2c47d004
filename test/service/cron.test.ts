import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { nextFireTime, tickSchedule } from '../../src/jobs/service/cron.ts';
import { CronScheduler } from '../../src/jobs/service/scheduler.ts';
import { parseTime } from '../../src/core/time.ts';

// The cron parser node-schedule itself uses, so live and replay schedules agree.
const cronParser = createRequire(import.meta.url)('cron-parser') as {
  parseExpression(cron: string, o: { currentDate: Date; tz: string }): { next(): { getTime(): number } };
};

describe('the tick schedule per freq (the original cron table, UTC)', () => {
  it('has the original table', () => {
    expect(tickSchedule('1min').cron).toBe('1 * * * * *');
    expect(tickSchedule('5min').cron).toBe('1 */5 * * * *');
    expect(tickSchedule('1h').cron).toBe('20 0 * * * *');
    expect(tickSchedule('4h').cron).toBe('20 0 */4 * * *');
    expect(tickSchedule('1D').cron).toBe('0 1 0 * * *');
    expect(tickSchedule('1W').cron).toBe('0 0 1 * * 1');
    expect(tickSchedule('1MS').cron).toBe('0 0 1 1 * *');
  });

  it('rejects frequencies the cron table cannot express, in one sentence', () => {
    expect(() => tickSchedule('7min')).toThrow(/freq "7min" cannot be scheduled/);
    expect(() => tickSchedule('2W')).toThrow(/cannot be scheduled/);
  });

  it("computes the same next fire times as node-schedule's cron parser", () => {
    const starts = ['2025-11-30 23:59:00', '2025-11-30 23:59:01', '2025-12-01 00:00:00.500', '2025-12-31 23:00:20', '2026-02-28 13:17:42'];
    for (const alias of ['1min', '5min', '15min', '1h', '4h', '1D', '1W', '1MS']) {
      const s = tickSchedule(alias);
      for (const start of starts) {
        const t = parseTime(start);
        const expected = cronParser.parseExpression(s.cron, { currentDate: new Date(t), tz: 'Etc/UTC' }).next().getTime();
        expect({ alias, start, next: nextFireTime(t, s) }).toEqual({ alias, start, next: expected });
      }
    }
  });

  it('fires one second after each minute for 1min', () => {
    const s = tickSchedule('1min');
    expect(nextFireTime(parseTime('2025-11-30 10:00:00'), s)).toBe(parseTime('2025-11-30 10:00:01'));
    expect(nextFireTime(parseTime('2025-11-30 10:00:01'), s)).toBe(parseTime('2025-11-30 10:01:01'));
  });
});

describe('the live scheduler', () => {
  it('runs the tick on node-schedule in UTC until stopped', async () => {
    const s = { ...tickSchedule('1min'), cron: '* * * * * *' }; // every second, to keep the test short
    const scheduler = new CronScheduler(s);
    const fired: number[] = [];
    const done = scheduler.run(async (t) => {
      fired.push(t);
      if (fired.length === 2) scheduler.stop();
    });
    await done;
    expect(fired).toHaveLength(2);
    expect(fired[1]! - fired[0]!).toBe(1000);
    expect(fired[0]! % 1000).toBe(0);
  });
});
