import { describe, expect, it } from 'vitest';
import { MINUTE, parseTime } from '../../src/core/time.ts';
import { modelsPrecede } from '../../src/jobs/service/demo.ts';

/** Manifests (their training part) with these training ends. */
const trainedUntil = (ends: string[]) => ends.map((end) => ({ training: { rows: 10, start: '2025-11-01 00:00:00', end, fingerprint: '', label_mean: 0, seconds: 0 } }));

describe('npm start reuses models only when they never saw the replayed candles', () => {
  const replayStart = parseTime('2025-11-29 00:00');

  it('accepts models whose last training label ends before the replay', () => {
    // last training row 21:59, its label looks 120 rows ahead: up to 23:59
    expect(modelsPrecede(trainedUntil(['2025-11-28 21:59:00', '2025-11-20 00:00:00']), 120, replayStart, MINUTE)).toBe(true);
  });

  it('refuses models whose labels (or rows) reach into the replay', () => {
    expect(modelsPrecede(trainedUntil(['2025-11-28 22:00:00']), 120, replayStart, MINUTE)).toBe(false);
    expect(modelsPrecede(trainedUntil(['2025-11-20 00:00:00', '2025-11-30 18:39:00']), 120, replayStart, MINUTE)).toBe(false);
  });

  it('refuses a set without models', () => {
    expect(modelsPrecede([], 120, replayStart, MINUTE)).toBe(false);
  });
});
