import type { Config } from '../../../config/schema.ts';
import { parseScoreNotificationConfig, type ScoreNotificationConfig } from '../../../core/notify/scoreBand.ts';
import { scoreNotification } from '../../../core/notify/scoreMessage.ts';
import type { Freq } from '../../../core/time.ts';
import type { BarOutput, ChannelPublisher, OutputBar, OutputStateSlot } from '../ports.ts';

/**
 * `score_notification_model` (spec §7.3): posts the score with its band when the band goes up
 * or down, or on the band's minute frequency. The previous band is kept in the output's state slot,
 * so a restart does not repeat or lose a band change.
 */
export class ScoreNotificationOutput implements BarOutput {
  readonly name = 'score_notification_model';
  private readonly cfg: ScoreNotificationConfig;
  private readonly enabled: boolean;

  constructor(
    raw: Record<string, unknown>,
    where: string,
    private readonly config: Config,
    private readonly freq: Freq,
    private readonly publisher: ChannelPublisher,
  ) {
    this.cfg = parseScoreNotificationConfig(raw, where);
    this.enabled = raw.score_notification !== false;
  }

  get scoreColumns(): string[] {
    return this.cfg.scoreColumns;
  }

  async run(bar: OutputBar, slot: OutputStateSlot): Promise<void> {
    if (!this.enabled || !bar.fresh) return;
    const [first, second] = this.cfg.scoreColumns;
    const score = bar.scored.values[first!];
    if (score === undefined || !Number.isFinite(score)) return;
    const raw2 = second === undefined ? undefined : bar.scored.values[second];
    const score2 = raw2 !== undefined && Number.isFinite(raw2) ? raw2 : undefined;
    if (this.publisher.publishScore) {
      await this.publisher.publishScore(this.cfg.key, { time: bar.candle.time, close: bar.candle.close, score, score2 });
      return;
    }
    const prev = slot.get<number>() ?? null;
    const n = scoreNotification(
      { symbol: this.config.symbol, freq: this.config.freq, closeTime: bar.candle.time + this.freq.ms, close: bar.candle.close, score, score2 },
      this.cfg,
      prev,
    );
    if (n.send) await this.publisher.publish(n.text, { key: `score:${this.cfg.key}:${bar.candle.time}` });
    slot.set(n.bandNo);
  }
}
