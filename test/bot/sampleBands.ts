/** The score notifier of the original's config-sample-1min.jsonc. */
export const SAMPLE_SCORE_OUTPUT = {
  generator: 'score_notification_model',
  config: {
    score_column_names: ['trade_score'],
    notify_band_up: true,
    notify_band_dn: true,
    positive_bands: [
      { edge: 0.015, frequency: 2, sign: '〉〉〉📈', bold: true, text: 'BUY ZONE' },
      { edge: 0.01, frequency: 5, sign: '〉〉', bold: false, text: 'strong' },
      { edge: 0.005, frequency: 10, sign: '〉', text: 'weak' },
    ],
    negative_bands: [
      { edge: -0.005, frequency: 10, sign: '〈', text: 'weak' },
      { edge: -0.01, frequency: 5, sign: '〈〈', bold: false, text: 'strong' },
      { edge: -0.015, frequency: 2, sign: '〈〈〈📉', bold: true, text: 'SELL ZONE' },
    ],
  },
};

/** The README's promise about paced notifiers, word for word (pacing.test.ts proves it, publisher.test.ts the restart). */
export const PACING_PROMISE =
  'A paced score notifier (`min_gap_minutes`, `daily_cap`) drops no band change: each one is in exactly one post, listed there with its time when it was held back, also across a restart.';
