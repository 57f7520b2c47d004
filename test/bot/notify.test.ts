import { describe, expect, it } from 'vitest';
import { findScoreBand, parseScoreNotificationConfig, scoreNotificationConfigs } from '../../src/core/notify/scoreBand.ts';
import { scoreNotification } from '../../src/core/notify/scoreMessage.ts';
import { pyFixed, pyIntThousands, pySignedFixed } from '../../src/core/notify/pyFormat.ts';
import { describeProfits, formatTransactionStats } from '../../src/core/notify/tradeMessages.ts';
import { formatSignalMessage } from '../../src/core/notify/signalMessage.ts';
import { splitMessage } from '../../src/core/notify/split.ts';
import { SAMPLE_SCORE_OUTPUT } from './sampleBands.ts';

/** The score notifier of the original's config-sample-1min.jsonc. */
const SAMPLE = parseScoreNotificationConfig({ score_notification: true, ...SAMPLE_SCORE_OUTPUT.config }, 'output_sets[0]');

/** Close time at `minute` past 10:00 UTC. */
const at = (minute: number) => Date.UTC(2025, 2, 1, 10, minute);

describe('score band (the original _find_score_band)', () => {
  it.each([
    [0.5, 3], [0.015, 3], [0.0149999, 2], [0.01, 2], [0.005, 1], [0.0049, 0], [0, 0],
    [-0.005, 0], [-0.0050001, -1], [-0.01, -1], [-0.0100001, -2], [-0.015, -2], [-0.0150001, -3], [-1, -3],
  ])('score %d is in band %d', (score, band) => {
    expect(findScoreBand(score, SAMPLE.positiveBands, SAMPLE.negativeBands).bandNo).toBe(band);
  });

  it('does not depend on the order the bands are listed in', () => {
    const shuffled = [...SAMPLE.positiveBands].reverse();
    expect(findScoreBand(0.012, shuffled, []).band?.text).toBe('strong');
  });
});

describe('score messages: texts and send rules equal the original (§7.3)', () => {
  // [score, score2, previous band, close-time minute, expected band, send?, expected text] — texts written out by hand.
  const table: [number, number | undefined, number | null, number, number, boolean, string][] = [
    [0.02, undefined, null, 1, 3, true, '*〉〉〉📈 ₿ 74,896 Indicator: +0.02 ↑   BUY ZONE 1min*'],
    [0.015, undefined, 3, 4, 3, true, '*〉〉〉📈 ₿ 74,896 Indicator: +0.01    BUY ZONE 1min*'],
    [0.015, undefined, 3, 5, 3, false, '*〉〉〉📈 ₿ 74,896 Indicator: +0.01    BUY ZONE 1min*'],
    [0.0149, undefined, 3, 7, 2, true, '〉〉 ₿ 74,896 Indicator: +0.01 ↓   strong 1min'],
    [0.0, undefined, 2, 7, 0, true, '₿ 74,896 Indicator: +0.00 ↓   1min'],
    [0.0, undefined, 0, 10, 0, false, '₿ 74,896 Indicator: +0.00    1min'],
    [-0.005, undefined, 0, 11, 0, false, '₿ 74,896 Indicator: -0.01    1min'],
    [-0.0051, undefined, 0, 11, -1, true, '〈 ₿ 74,896 Indicator: -0.01 ↑   weak 1min'],
    [-0.006, undefined, -1, 13, -1, false, '〈 ₿ 74,896 Indicator: -0.01    weak 1min'],
    [-0.006, undefined, -1, 20, -1, true, '〈 ₿ 74,896 Indicator: -0.01    weak 1min'],
    [-0.02, undefined, -1, 21, -3, true, '*〈〈〈📉 ₿ 74,896 Indicator: -0.02 ↑   SELL ZONE 1min*'],
    [0.012, undefined, -3, 21, 2, true, '〉〉 ₿ 74,896 Indicator: +0.01 ↓   strong 1min'],
    [0.006, -0.25, 1, 20, 1, true, '〉 ₿ 74,896 Indicator: +0.01   -0.25 weak 1min'],
    [0.006, 0.3, 1, 21, 1, false, '〉 ₿ 74,896 Indicator: +0.01   +0.30 weak 1min'],
  ];
  it.each(table)('score %d (second %s) after band %s at minute %d → band %d, send %s', (score, score2, prev, minute, band, send, text) => {
    const n = scoreNotification({ symbol: 'BTCUSDT', freq: '1min', closeTime: at(minute), close: 74896.99, score, score2 }, SAMPLE, prev);
    expect(n.bandNo).toBe(band);
    expect(n.send).toBe(send);
    expect(n.text).toBe(text);
  });

  it('uses Ξ for ETHUSDT, the symbol otherwise, and truncates the price with thousands separators', () => {
    const eth = scoreNotification({ symbol: 'ETHUSDT', freq: '5min', closeTime: at(0), close: 3456.99, score: 0.02 }, SAMPLE, null);
    expect(eth.text).toBe('*〉〉〉📈 Ξ 3,456 Indicator: +0.02 ↑   BUY ZONE 5min*');
    const sol = scoreNotification({ symbol: 'SOLUSDT', freq: '1h', closeTime: at(0), close: 1234567.9, score: 0 }, SAMPLE, null);
    expect(sol.text).toBe('SOLUSDT 1,234,567 Indicator: +0.00 ↑   1h');
  });

  it('sends nothing on the first call when neither direction is enabled and the band has no frequency', () => {
    const quiet = { ...SAMPLE, notifyBandUp: false, notifyBandDown: false };
    expect(scoreNotification({ symbol: 'BTCUSDT', freq: '1min', closeTime: at(1), close: 1, score: 0 }, quiet, null).send).toBe(false);
    expect(scoreNotification({ symbol: 'BTCUSDT', freq: '1min', closeTime: at(2), close: 1, score: 0.02 }, quiet, null).send).toBe(true);
  });

  it('escapes Markdown in band texts from the config so they cannot break the message', () => {
    const cfg = { ...SAMPLE, positiveBands: [{ edge: 0.01, sign: '*', text: 'BUY_ZONE [x]', bold: true }] };
    const n = scoreNotification({ symbol: 'BTCUSDT', freq: '1min', closeTime: at(1), close: 1000, score: 0.02 }, cfg, null);
    expect(n.text).toBe('*\\* ₿ 1,000 Indicator: +0.02 ↑   BUY\\_ZONE \\[x] 1min*');
  });

  it('finds the notifiers of a config and names the key of a bad band', () => {
    expect(scoreNotificationConfigs({ output_sets: [{ generator: 'trader_simulation' }, { generator: 'score_notification_model', config: { score_column_names: 'trade_score' } }] })[0]!.key).toBe('output_sets[1]');
    expect(() => parseScoreNotificationConfig({ score_column_names: ['s'], positive_bands: [{ edge: '0.1' }] }, 'output_sets[2]')).toThrow(
      'config: key output_sets[2].config.positive_bands[0].edge: expected a number',
    );
  });
});

describe('Python number formatting', () => {
  it('rounds exact ties to even as Python does', () => {
    expect(pyFixed(0.125, 2)).toBe('0.12');
    expect(pyFixed(0.375, 2)).toBe('0.38');
    expect(pyFixed(-0.125, 2)).toBe('-0.12');
    expect(pyFixed(2.5, 0)).toBe('2');
    expect(pyFixed(0.005, 2)).toBe('0.01'); // 0.005 is slightly above the tie in binary
    expect(pyFixed(1.0000000000000000, 4)).toBe('1.0000');
    expect(pyFixed(NaN, 4)).toBe('nan');
  });
  it('keeps the sign of negative zero and small negatives', () => {
    expect(pySignedFixed(-0.0, 2)).toBe('-0.00');
    expect(pySignedFixed(-0.001, 2)).toBe('-0.00');
    expect(pySignedFixed(1e-9, 2)).toBe('+0.00');
  });
  it('groups thousands after truncating', () => {
    expect(pyIntThousands(999.99)).toBe('999');
    expect(pyIntThousands(1000)).toBe('1,000');
    expect(pyIntThousands(-1234567.8)).toBe('-1,234,567');
  });
});

describe('signal and trade messages', () => {
  it('formats BUY/SELL signals with one icon per step beyond the threshold', () => {
    expect(formatSignalMessage({ side: 'BUY', symbol: 'BTCUSDT', close: 24518.9, score: 0.12 })).toBe('🟢 *BUY: ₿ 24,518 Score: +0.12*');
    expect(formatSignalMessage({ side: 'SELL', symbol: 'BTCUSDT', close: 24518.9, score: -0.26, threshold: -0.05, iconStep: 0.1 })).toBe('🔴🔴🔴 *SELL: ₿ 24,518 Score: -0.26*');
  });

  it('formats the 4-week stats as pandas describe() figures', () => {
    const s = describeProfits([1, 4, 2]);
    expect(formatTransactionStats('SELL', s)).toBe(
      '↗ *LONG transactions stats (4 weeks)*\n🔸sum=7.00% 🔸count=3\n🔸mean=2.3333% 🔸std=1.5275%\n🔸min=1.0000% 🔸median=2.0000% 🔸max=4.0000%\n',
    );
    expect(describeProfits([10, 1, 3, 2]).median).toBe(2.5);
    expect(formatTransactionStats('BUY', describeProfits([0.5]))).toBe(
      '↘ *SHORT transactions stats (4 weeks)*\n🔸sum=0.50% 🔸count=1\n🔸mean=0.5000% 🔸std=nan%\n🔸min=0.5000% 🔸median=0.5000% 🔸max=0.5000%\n',
    );
  });
});

describe('splitting long texts', () => {
  it('splits at line breaks under the limit and loses nothing', () => {
    const text = Array.from({ length: 500 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`).join('\n');
    const parts = splitMessage(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
    expect(parts.join('\n')).toBe(text);
  });
  it('cuts a single long line between code points', () => {
    const text = '📈'.repeat(3000); // 6000 UTF-16 units
    const parts = splitMessage(text, 4096);
    expect(parts.map((p) => p.length)).toEqual([4096, 1904]);
    expect(parts.join('')).toBe(text);
    expect(splitMessage('a📈', 2)).toEqual(['a', '📈']);
  });
});
