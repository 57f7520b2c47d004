/** A step of long work, shown as a progress bar in the terminal and as an edited message in the chat. */
export interface ProgressEvent {
  /** What is running, e.g. "download BTCUSDT", "train high_20_lc". */
  stage: string;
  done: number;
  /** 0 when unknown. */
  total: number;
  /** Unit of done/total, e.g. "rows", "epochs", "trees". */
  unit?: string;
  /** Free text, e.g. "reached 2025-01-03" or "loss 0.0412". */
  detail?: string;
  /** Milliseconds since the stage began. */
  elapsedMs?: number;
  /** Estimated milliseconds left, when it can be told. */
  etaMs?: number;
}

export type ProgressReporter = (event: ProgressEvent) => void;

export const silentProgress: ProgressReporter = () => {};

/** Adds elapsed and ETA (from the rate so far) to events of one stage. */
export function withEta(report: ProgressReporter, now: () => number = Date.now): ProgressReporter {
  const started = new Map<string, number>();
  return (ev) => {
    const t0 = started.get(ev.stage) ?? now();
    if (!started.has(ev.stage)) started.set(ev.stage, t0);
    const elapsedMs = ev.elapsedMs ?? now() - t0;
    const etaMs = ev.etaMs ?? (ev.total > 0 && ev.done > 0 ? (elapsedMs * (ev.total - ev.done)) / ev.done : undefined);
    report({ ...ev, elapsedMs, etaMs });
  };
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line of text for an event: `train high_20_lc ▕████░░░░▏ 45% 45/100 epochs · loss 0.04 · ETA 12s`. */
export function formatProgress(ev: ProgressEvent, width = 20): string {
  const parts = [ev.stage];
  if (ev.total > 0) {
    const frac = Math.max(0, Math.min(1, ev.done / ev.total));
    const full = Math.round(frac * width);
    parts.push(`▕${'█'.repeat(full)}${'░'.repeat(width - full)}▏ ${Math.floor(frac * 100)}%`);
    parts.push(`${ev.done}/${ev.total}${ev.unit ? ` ${ev.unit}` : ''}`);
  } else {
    parts.push(`${ev.done}${ev.unit ? ` ${ev.unit}` : ''}`);
  }
  if (ev.detail) parts.push(ev.detail);
  if (ev.etaMs !== undefined && ev.total > 0 && ev.done < ev.total) parts.push(`ETA ${formatDuration(ev.etaMs)}`);
  return parts.join(' · ').replace(' · ▕', ' ▕');
}

/** A terminal reporter: redraws one line on a TTY, otherwise prints a line at most every `everyMs`. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr, everyMs = 5000): ProgressReporter {
  let lastPrint = 0;
  let lastStage = '';
  return withEta((ev) => {
    const line = formatProgress(ev);
    const finished = ev.total > 0 && ev.done >= ev.total;
    if (stream.isTTY) {
      stream.write(`\r\x1b[2K${line}${finished ? '\n' : ''}`);
      return;
    }
    const now = Date.now();
    if (finished || ev.stage !== lastStage || now - lastPrint >= everyMs) {
      stream.write(`${line}\n`);
      lastPrint = now;
      lastStage = ev.stage;
    }
  });
}
