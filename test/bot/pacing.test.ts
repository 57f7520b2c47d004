import { describe, expect, it } from 'vitest';
import { paceScore, pacingStateOf, type PacedPost, type PacingState } from '../../src/core/notify/bandPacing.ts';
import { findScoreBand, parseScoreNotificationConfig, type ScoreNotificationConfig } from '../../src/core/notify/scoreBand.ts';
import { scoreNotification } from '../../src/core/notify/scoreMessage.ts';
import { PACING_PROMISE, SAMPLE_SCORE_OUTPUT } from './sampleBands.ts';
import { readmePromises } from '../readmePromises.ts';

const MIN = 60_000;
/** Close time of minute `m` counted from 2025-03-01 10:00 UTC. */
const at = (m: number) => Date.UTC(2025, 2, 1, 10, 0) + m * MIN;

/** The sample's bands without their `frequency` repeats, with pacing keys. */
function paced(keys: Record<string, unknown>, withFrequency = false): ScoreNotificationConfig {
  const strip = (bands: Array<Record<string, unknown>>) => bands.map(({ frequency, ...b }) => (withFrequency ? { frequency, ...b } : b));
  const c = SAMPLE_SCORE_OUTPUT.config;
  return parseScoreNotificationConfig({ ...c, positive_bands: strip(c.positive_bands), negative_bands: strip(c.negative_bands), ...keys }, 'output_sets[0]');
}

interface Step {
  minute: number;
  post: PacedPost | null;
}

/** Feeds one score per listed minute (close price `close(minute)`), carrying the state as the service does (through JSON). */
function feed(cfg: ScoreNotificationConfig, scores: Array<[number, number]>, close: (m: number) => number = () => 90_000, start: PacingState | null = null) {
  let state = start;
  const steps: Step[] = [];
  for (const [minute, score] of scores) {
    const n = paceScore({ symbol: 'BTCUSDT', freq: '1min', closeTime: at(minute), close: close(minute), score }, cfg, state);
    state = pacingStateOf(JSON.parse(JSON.stringify(n.state)));
    steps.push({ minute, post: n.post });
  }
  return { steps, posts: steps.filter((s) => s.post), state };
}

const SELL = -0.02;
const STRONG_DN = -0.012;
const WEAK_DN = -0.006;
const NONE = 0;

describe('score notifier pacing: the original rules without the new keys', () => {
  it('posts exactly what the original posts when no pacing key is set (random walk over every band)', () => {
    const cfg = parseScoreNotificationConfig(SAMPLE_SCORE_OUTPUT.config, 'output_sets[0]');
    expect(cfg.pacing).toBeNull();
    let prev: number | null = null;
    let state: PacingState | null = null;
    let score = 0;
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let posts = 0;
    for (let m = 0; m < 3000; m++) {
      score = Math.max(-0.03, Math.min(0.03, score + (rand() - 0.5) * 0.006));
      const row = { symbol: 'BTCUSDT', freq: '1min', closeTime: at(m), close: 90_000 + m, score };
      const original = scoreNotification(row, cfg, prev);
      const n = paceScore(row, cfg, state);
      expect(n.bandNo).toBe(original.bandNo);
      expect(n.post?.text ?? null).toBe(original.send ? original.text : null);
      prev = original.bandNo;
      state = n.state;
      if (n.post) posts++;
    }
    expect(posts).toBeGreaterThan(300); // the walk crossed bands and hit frequency minutes
  });
});

describe('score notifier pacing: minimum gap, daily cap, zone summary', () => {
  it('holds a band change that comes within the minimum gap and lists it in the next post; none is dropped', () => {
    const cfg = paced({ min_gap_minutes: 30 });
    const { posts } = feed(cfg, [
      [0, WEAK_DN], // first bar: a post, as the original's first call
      [5, STRONG_DN], // within the gap: held
      [10, WEAK_DN], // held
      [20, WEAK_DN],
      [30, WEAK_DN], // the gap is over: one post with both held changes
      [31, STRONG_DN], // a change right after a post: held again
      [61, STRONG_DN], // next post
    ]);
    expect(posts.map((p) => p.minute)).toEqual([0, 30, 61]);
    expect(posts[0]!.post!.text).toBe('〈 ₿ 90,000 Indicator: -0.01 ↑   weak 1min');
    expect(posts[1]!.post!.text).toBe('〈 ₿ 90,000 Indicator: -0.01    weak 1min\n2 band changes since 10:00 UTC: 〈〈 strong 10:05 · 〈 weak 10:10');
    expect(posts[2]!.post!.text).toBe('〈〈 ₿ 90,000 Indicator: -0.01 ↑   strong 1min\n1 band change since 10:30 UTC: 〈〈 strong 10:31');
    expect(posts.flatMap((p) => p.post!.changes.map((c) => c.time))).toEqual([at(0), at(5), at(10), at(31)]);
  });

  it('posts a change at once when the last post is older than the gap (then it reads as the original message)', () => {
    const { posts } = feed(paced({ min_gap_minutes: 30 }), [[0, NONE], [45, STRONG_DN]]);
    expect(posts.map((p) => p.post!.text)).toEqual(['₿ 90,000 Indicator: +0.00 ↑   1min', '〈〈 ₿ 90,000 Indicator: -0.01 ↑   strong 1min']);
  });

  it('does not delay the start of a zone stay, but holds a return to the zone after a brief exit', () => {
    const { posts } = feed(paced({ min_gap_minutes: 30 }), [
      [0, WEAK_DN],
      [3, SELL], // a new SELL ZONE stay: posted at once, gap or not
      [4, STRONG_DN], // held
      [6, SELL], // back within the gap: the same stay, held
      [40, SELL],
    ]);
    expect(posts.map((p) => p.minute)).toEqual([0, 3, 40]);
    expect(posts[1]!.post!.text).toBe('*〈〈〈📉 ₿ 90,000 Indicator: -0.02 ↑   SELL ZONE 1min*');
    expect(posts[2]!.post!.text).toContain('2 band changes since 10:03 UTC: 〈〈 strong 10:04 · 〈〈〈📉 SELL ZONE 10:06');
  });

  it('skips a frequency repeat inside the gap (a repeat is not a change) and sends it after', () => {
    const cfg = paced({ min_gap_minutes: 5 }, true); // SELL ZONE repeats every 2 minutes
    const { posts } = feed(cfg, [[0, SELL], [2, SELL], [4, SELL], [6, SELL], [8, SELL], [10, SELL], [12, SELL]]);
    expect(posts.map((p) => p.minute)).toEqual([0, 6, 12]);
    expect(posts.every((p) => p.post!.changes.length <= 1)).toBe(true);
  });

  it('stops at the daily cap, says so, and brings what happened after it in the first post of the next UTC day', () => {
    const cfg = paced({ daily_cap: 3 });
    const scores: Array<[number, number]> = [];
    // 13:00 … 13:09 UTC alternating bands: a change every minute; the day ends at minute 840 (00:00).
    for (let m = 0; m < 10; m++) scores.push([180 + m, m % 2 ? STRONG_DN : WEAK_DN]);
    scores.push([839, WEAK_DN], [840, WEAK_DN], [841, STRONG_DN]);
    const { posts } = feed(cfg, scores);
    expect(posts.map((p) => p.minute)).toEqual([180, 181, 182, 840, 841]);
    expect(posts[2]!.post!.text.split('\n').at(-1)).toBe('Daily limit of 3 posts reached: changes until 00:00 UTC come in the next post.');
    const nextDay = posts[3]!.post!.text;
    expect(nextDay).toContain('8 band changes since 2025-03-01 13:02 UTC: 〈 weak ×4 (first 2025-03-01 13:04) · 〈〈 strong ×4 (first 2025-03-01 13:03)');
    expect(posts.reduce((n, p) => n + p.post!.changes.length, 0)).toBe(12); // 10 + the first bar's + 00:01's
  });

  it('summarises a zone stay quietly when it ends: duration and price change, brief exits inside it', () => {
    const cfg = paced({ min_gap_minutes: 30, zone_summary: true });
    const price = (m: number) => 100_000 - 10 * m;
    const scores: Array<[number, number]> = [[0, WEAK_DN], [60, SELL], [100, STRONG_DN], [110, SELL], [420, STRONG_DN]];
    for (let m = 421; m <= 460; m++) scores.push([m, STRONG_DN]);
    const { posts } = feed(cfg, scores, price);
    const summary = posts.find((p) => p.post!.text.includes('ended'))!;
    // Left at 17:00 (minute 420), stayed out for the 30-minute gap: ended at 17:30, posted then.
    expect(summary.minute).toBe(450);
    expect(summary.post!.silent).toBe(true);
    // Entered at minute 60 (99,400), left at minute 420 (95,800): 6 hours, −3.62 %.
    expect(summary.post!.text).toBe('〈〈〈📉 SELL ZONE ended: 6h 00m, -3.62 % (₿ 99,400 → 95,800), left briefly 1×');
    expect(summary.post!.reach).toBe(3);
  });

  it('ends a zone stay at once when the score jumps into the other side’s zone (a change the original does not see)', () => {
    const cfg = paced({ min_gap_minutes: 30, zone_summary: true });
    const { posts } = feed(cfg, [[0, SELL], [45, 0.02]]);
    expect(posts[1]!.post!.text).toBe('*〉〉〉📈 ₿ 90,000 Indicator: +0.02 ↑   BUY ZONE 1min*\n〈〈〈📉 SELL ZONE ended: 45m, +0.00 % (₿ 90,000 → 90,000)');
    expect(posts[1]!.post!.silent).toBe(false);
  });

  it('keeps every change and the gap and cap on a long random walk', () => {
    const cfg = paced({ min_gap_minutes: 20, daily_cap: 30, zone_summary: true });
    let score = 0;
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const scores: Array<[number, number]> = [];
    for (let m = 0; m < 5 * 1440; m++) {
      score = Math.max(-0.03, Math.min(0.03, score + (rand() - 0.5) * 0.004));
      scores.push([m, score]);
    }
    const { posts, state } = feed(cfg, scores);
    let changes = 0;
    let band: number | null = null;
    for (const [, s] of scores) {
      const b = findScoreBand(s, cfg.positiveBands, cfg.negativeBands).bandNo;
      if (b !== band) changes++;
      band = b;
    }
    const reported = posts.reduce((n, p) => n + p.post!.changes.length, 0);
    expect(reported + state!.held.length).toBe(changes);
    expect(readmePromises()).toContain(PACING_PROMISE);
    expect(changes).toBeGreaterThan(500);
    const perDay = new Map<number, number>();
    for (const p of posts) perDay.set(Math.floor(at(p.minute) / 86_400_000), (perDay.get(Math.floor(at(p.minute) / 86_400_000)) ?? 0) + 1);
    expect(Math.max(...perDay.values())).toBeLessThanOrEqual(30);
    for (let k = 1; k < posts.length; k++) {
      const gap = posts[k]!.minute - posts[k - 1]!.minute;
      const zoneStart = /ZONE 1min\*$/.test(posts[k]!.post!.text.split('\n')[0]!) && posts[k]!.post!.changes.at(-1)?.time === at(posts[k]!.minute);
      if (!zoneStart) expect(gap).toBeGreaterThanOrEqual(20);
    }
  });

  it('posts nothing for a bar it has already seen (redone after a crash) and keeps its state', () => {
    const cfg = paced({ min_gap_minutes: 30, band_hysteresis: 0.002 });
    const first = feed(cfg, [[0, WEAK_DN], [5, STRONG_DN], [10, SELL], [20, STRONG_DN]]);
    // The service lost its last saves and redoes minutes 5…20 with the notifier's current state.
    const redo = feed(cfg, [[5, STRONG_DN], [10, 0.02], [20, NONE]], () => 90_000, first.state);
    expect(redo.posts).toEqual([]);
    expect(redo.state).toEqual(first.state);
    // The next new bar goes on from that state: strong at 20 (held by the gap), band 0 now.
    const next = feed(cfg, [[45, NONE]], () => 90_000, first.state);
    expect(next.posts[0]!.post!.changes.map((c) => c.bandNo)).toEqual([-2, 0]);
  });

  it('reads the bare band of older state files and names bad keys with their path', () => {
    expect(pacingStateOf(-2)).toMatchObject({ band: -2, held: [], lastPost: null });
    expect(() => paced({ min_gap_minutes: -1 })).toThrow('config: key output_sets[0].config.min_gap_minutes: expected a number of minutes ≥ 0');
    expect(() => paced({ daily_cap: 2.5 })).toThrow('config: key output_sets[0].config.daily_cap: expected a whole number of posts per day (0 = no cap)');
    expect(() => paced({ zone_summary: 'yes' })).toThrow('config: key output_sets[0].config.zone_summary: expected true or false');
  });
});

describe('score notifier pacing: band hysteresis', () => {
  // The sample's edges: weak ±0.005, strong ±0.01, zone ±0.015; h = 0.002.
  const H = 0.002;

  /** The band the notifier counts on each bar (state carried through JSON, as the service does). */
  function bandsOf(cfg: ScoreNotificationConfig, scores: number[]): number[] {
    let state: PacingState | null = null;
    return scores.map((score, m) => {
      const n = paceScore({ symbol: 'BTCUSDT', freq: '1min', closeTime: at(m), close: 90_000, score }, cfg, state);
      state = pacingStateOf(JSON.parse(JSON.stringify(n.state)));
      return n.bandNo;
    });
  }

  it('takes a stronger band at its edge and leaves a band only once the score is more than h inside its edge', () => {
    const cfg = paced({ band_hysteresis: H });
    const scores = [
      0.011, // strong (band 2)
      0.015, // BUY ZONE at its edge, at once
      0.0135, // 0.0015 inside the zone's edge (≤ h): still BUY ZONE
      0.0131, // 0.0019 inside: still
      0.0129, // 0.0021 inside (> h): strong
      0.0149, // below the zone's edge: strong
      0.0151, // BUY ZONE again
      0.004, // below weak's edge by more than h: band 0, the bare band (not one band down)
      0.0041, // band 0
      -0.0051, // 〈 weak (below −0.005)
      -0.0035, // 0.0015 inside its edge: still weak
      -0.003, // 0.002 inside (at edge + h): band 0
      -0.016, // SELL ZONE
      0.016, // straight to BUY ZONE: far past the sell zone's edge
    ];
    expect(bandsOf(cfg, scores)).toEqual([2, 3, 3, 3, 2, 2, 3, 0, 0, -1, -1, 0, -3, 3]);
    // Without the key: the bare bands, every crossing a change.
    expect(bandsOf(paced({}), scores)).toEqual(scores.map((s) => findScoreBand(s, cfg.positiveBands, cfg.negativeBands).bandNo));
  });

  it('posts a score wavering around an edge once, where without hysteresis every crossing is a change', () => {
    const wave = [0.004, 0.011]; // strong, then back and forth across strong's edge (0.01) by less than h
    for (let m = 0; m < 60; m++) wave.push(m % 2 ? 0.0102 : 0.0091);
    const withH = feed(paced({ band_hysteresis: H }), wave.map((s, m) => [m, s]));
    expect(withH.posts.map((p) => p.minute)).toEqual([0, 1]);
    const without = feed(paced({}), wave.map((s, m) => [m, s]));
    expect(without.posts).toHaveLength(wave.length);
  });

  it('drops no band change with hysteresis, gap and cap on a long random walk, and changes bands less often', () => {
    const cfg = paced({ min_gap_minutes: 20, daily_cap: 30, zone_summary: true, band_hysteresis: H });
    let score = 0;
    let seed = 5;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const scores: number[] = [];
    for (let m = 0; m < 5 * 1440; m++) scores.push((score = Math.max(-0.03, Math.min(0.03, score + (rand() - 0.5) * 0.004))));
    const bands = bandsOf(cfg, scores);
    const changes = bands.filter((b, i) => i === 0 || b !== bands[i - 1]).length;
    const bare = bandsOf(paced({}), scores);
    const crossings = bare.filter((b, i) => i === 0 || b !== bare[i - 1]).length;
    expect(changes).toBeLessThan(0.7 * crossings);
    const { posts, state } = feed(cfg, scores.map((s, m) => [m, s]));
    const reported = posts.reduce((n, p) => n + p.post!.changes.length, 0);
    expect(reported + state!.held.length).toBe(changes);
  });

  it('refuses a negative or non-numeric band_hysteresis in one sentence with the key path', () => {
    expect(() => paced({ band_hysteresis: -0.01 })).toThrow('config: key output_sets[0].config.band_hysteresis: expected a score difference ≥ 0');
    expect(() => paced({ band_hysteresis: '0.05' })).toThrow('config: key output_sets[0].config.band_hysteresis: expected a score difference ≥ 0');
    expect(paced({ band_hysteresis: 0.05 }).pacing).toMatchObject({ hysteresis: 0.05, minGapMs: 0, dailyCap: 0 });
  });
});
