import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { registerSecret } from '../../src/shared/log.ts';
import { LogTap } from '../../src/jobs/service/logTap.ts';

describe('/logs: the service keeps its recent log lines', () => {
  it('keeps the last info/warn/error lines, oldest first, with secrets masked, and still logs what the level lets through', () => {
    const written: string[] = [];
    const base = pino({ level: 'warn' }, { write: (s: string) => void written.push(s) });
    const tap = new LogTap(base, 3, () => Date.UTC(2025, 0, 1, 12, 30, 5));
    registerSecret('s3cr3t-token-value');
    tap.logger.debug('not kept: debug lines are too many');
    tap.logger.info('tick 1');
    tap.logger.warn('tick 2 with s3cr3t-token-value inside');
    tap.logger.error({ err: 'boom' }, 'tick 3 failed');
    tap.logger.info('tick 4');
    expect(tap.lines(10)).toEqual(['12:30:05 WARN tick 2 with *** inside', '12:30:05 ERROR tick 3 failed (boom)', '12:30:05 INFO tick 4']);
    expect(tap.lines(1)).toEqual(['12:30:05 INFO tick 4']);
    expect(written).toHaveLength(2); // warn and error: the output level is unchanged
    expect(tap.logger.level).toBe('warn');
  });
});
