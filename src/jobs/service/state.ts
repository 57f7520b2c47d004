import fs from 'node:fs';
import path from 'node:path';
import type { Low } from 'lowdb';
import type { Config } from '../../config/schema.ts';
import { symbolFolder } from '../../config/load.ts';
import { openJsonStore, type StateFileReport } from '../../storage/jsonStore.ts';
import { formatTime, parseTime } from '../../core/time.ts';

/** A stretch of bars the source did not deliver. */
export interface DataGap {
  /** Open time of the first missing bar. */
  from: number;
  /** Open time of the first bar after the gap. */
  to: number;
  missingBars: number;
}

/** A tick failure that admins were told about once. */
export interface TickFailure {
  since: number;
  message: string;
  count: number;
}

/** What the service must remember across restarts (small; written atomically after each tick). */
export interface ServiceStateData {
  /** Open time of the newest bar that went through the cycle; null before the first start. */
  lastBarTime: number | null;
  /** Runtime state of each output (e.g. the previous score band), by output index and generator. */
  outputs: Record<string, unknown>;
  /** Bars up to this open time are affected by the latest gap (their scores are not fresh). */
  gapAffectedUntil: number | null;
  gaps: DataGap[];
  failure: TickFailure | null;
  /** When the models in use were trained (epoch ms), for the expiry warning. */
  modelsTrainedAt: number | null;
}

const DEFAULTS: ServiceStateData = {
  lastBarTime: null,
  outputs: {},
  gapAffectedUntil: null,
  gaps: [],
  failure: null,
  modelsTrainedAt: null,
};

const KEEP_GAPS = 20;

/** `2025-11` for a bar time (UTC). */
const monthOf = (time: number): string => formatTime(time).slice(0, 7);

/** The folder of the service's state files: service.state_folder (as the bot resolves it), or data_folder/symbol/state. */
export function stateFolder(config: Config): string {
  return config.service.state_folder ? path.resolve(config.service.state_folder) : path.join(symbolFolder(config), 'state');
}

/** One line of the scores history: a processed bar, its scores and signals, and whether it was fresh. */
export interface ScoreRecord {
  time: number;
  close: number;
  /** ok: scored on fresh, complete data; late: processed after its time (catch-up); gap: within features_horizon after missing bars; warmup: inputs incomplete. */
  status: 'ok' | 'late' | 'gap' | 'warmup';
  values: Record<string, number>;
}

/**
 * The service's persistent state: a small JSON document (lowdb, atomic writes) and an
 * append-only JSONL history of every processed bar's scores, one file per month.
 */
export class ServiceState {
  private constructor(
    private readonly db: Low<ServiceStateData>,
    readonly historyFile: string,
  ) {}

  /** `report` hears of a damaged service.json (default: a log line). */
  static async open(folder: string, report?: StateFileReport): Promise<ServiceState> {
    fs.mkdirSync(folder, { recursive: true });
    const db = await openJsonStore<ServiceStateData>(path.join(folder, 'service.json'), DEFAULTS, report);
    return new ServiceState(db, path.join(folder, 'scores.jsonl'));
  }

  get data(): ServiceStateData {
    return this.db.data;
  }

  recordGap(gap: DataGap): void {
    this.db.data.gaps.push(gap);
    if (this.db.data.gaps.length > KEEP_GAPS) this.db.data.gaps.splice(0, this.db.data.gaps.length - KEEP_GAPS);
  }

  /**
   * Appends processed bars to the history (one JSON object per line, times as UTC text).
   * The file holds one calendar month (UTC) of bars: when a bar of a new month comes, the
   * file is renamed to `scores-YYYY-MM.jsonl` (the month it holds) and a new one is started,
   * so a service that runs for years keeps small files and nothing is deleted. A bar already
   * in the history (redone after a crash lost the state's save) is not written again.
   */
  appendHistory(records: ScoreRecord[]): void {
    if (!records.length) return;
    if (this.lastTime === undefined) this.readLastLine();
    let text = '';
    for (const r of records) {
      if (this.lastTime != null && r.time <= this.lastTime) continue;
      // The file holds the month of its newest bar.
      const fileMonth = this.lastTime != null ? monthOf(this.lastTime) : null;
      if (fileMonth !== null && fileMonth !== monthOf(r.time)) {
        if (text) fs.appendFileSync(this.historyFile, text);
        text = '';
        this.rotate(fileMonth);
      }
      this.lastTime = r.time;
      const values: Record<string, number | null> = {};
      for (const [k, v] of Object.entries(r.values)) values[k] = Number.isFinite(v) ? v : null;
      text += `${JSON.stringify({ time: formatTime(r.time), close: r.close, status: r.status, ...values })}\n`;
    }
    if (text) fs.appendFileSync(this.historyFile, text);
  }

  /** Open time of the newest bar in the history (null: none); undefined until first needed. */
  private lastTime: number | null | undefined = undefined;

  /** Reads the bar time of the history file's newest line. */
  private readLastLine(): void {
    this.lastTime = null;
    let fd: number;
    try {
      fd = fs.openSync(this.historyFile, 'r');
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, 4096);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      const last = buf.toString('utf8').trimEnd().split('\n').at(-1) ?? '';
      const time = /"time":"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})"/.exec(last)?.[1];
      if (time) this.lastTime = parseTime(time);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Moves the current history file aside as `scores-<month>.jsonl` (appending if that exists). */
  private rotate(month: string): void {
    const target = path.join(path.dirname(this.historyFile), `scores-${month}.jsonl`);
    if (!fs.existsSync(this.historyFile)) return;
    if (fs.existsSync(target)) {
      fs.appendFileSync(target, fs.readFileSync(this.historyFile));
      fs.rmSync(this.historyFile);
    } else {
      fs.renameSync(this.historyFile, target);
    }
  }

  /** Reads the history back (tests, /status); `limit` keeps the newest lines. */
  readHistory(limit = 0): Array<Record<string, unknown>> {
    let text: string;
    try {
      text = fs.readFileSync(this.historyFile, 'utf8');
    } catch {
      return [];
    }
    const lines = text.split('\n').filter(Boolean);
    return (limit ? lines.slice(-limit) : lines).map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  async flush(): Promise<void> {
    await this.db.write();
  }
}
