import { describe, expect, it } from 'vitest';
import { averagePrecision, classificationScores, formatScoreLine, regressionScores, rocAuc, scoreAgainstLabel } from '../../src/models/metrics.ts';
import { sortNumbers } from '../../src/core/sort.ts';
import { seededRandom } from '../../src/models/random.ts';
import { Frame } from '../../src/core/frame.ts';
import { takeRows } from '../../src/models/stageData.ts';

const f = (a: number[]) => Float64Array.from(a);

describe('prediction metrics (scikit-learn definitions)', () => {
  it('ROC AUC counts tied scores half', () => {
    expect(rocAuc(f([0, 0, 1, 1]), f([0.1, 0.4, 0.35, 0.8]))).toBeCloseTo(0.75, 12);
    expect(rocAuc(f([0, 1, 0, 1]), f([0.5, 0.5, 0.5, 0.5]))).toBeCloseTo(0.5, 12);
    expect(rocAuc(f([0, 1, 1, 0, 1]), f([0.2, 0.2, 0.9, 0.1, 0.3]))).toBeCloseTo((1 + 1 + 0.5 + 1 + 1 + 1) / 6, 12);
    expect(rocAuc(f([1, 1]), f([0.1, 0.2]))).toBe(0);
  });

  it('average precision steps over distinct thresholds', () => {
    expect(averagePrecision(f([0, 0, 1, 1]), f([0.1, 0.4, 0.35, 0.8]))).toBeCloseTo(0.8333333333, 9);
    // one tie group holding everything: precision is the positive share
    expect(averagePrecision(f([0, 1, 0, 1]), f([0.5, 0.5, 0.5, 0.5]))).toBeCloseTo(0.5, 12);
  });

  it('f1, precision and recall use score > 0.5 and are 0 when undefined', () => {
    const s = classificationScores(f([1, 1, 0, 0, 1]), f([0.9, 0.4, 0.6, 0.1, 0.51]));
    expect(s.precision).toBeCloseTo(2 / 3, 12);
    expect(s.recall).toBeCloseTo(2 / 3, 12);
    expect(s.f1).toBeCloseTo(2 / 3, 12);
    const none = classificationScores(f([1, 0]), f([0.1, 0.2]));
    expect([none.precision, none.recall, none.f1]).toEqual([0, 0, 0]);
  });

  it('regression scores: mae, mape, r2, then the sign classification', () => {
    const r = regressionScores(f([1, -2, 3]), f([1.5, -2, 2]));
    expect(r.mae).toBeCloseTo(0.5, 12);
    expect(r.mape).toBeCloseTo((0.5 + 0 + 1 / 3) / 3, 12);
    expect(r.r2).toBeCloseTo(1 - 1.25 / (114 / 9), 12);
    expect(Object.keys(r)).toEqual(['mae', 'mape', 'r2', 'auc', 'ap', 'f1', 'precision', 'recall']);
  });

  it('drops rows where the label or the score is missing', () => {
    const s = scoreAgainstLabel(f([0, 1, NaN, 1]), f([0.2, NaN, 0.9, 0.8]), false);
    expect(s.auc).toBe(1);
  });

  it('formats a line as the original writes predictions.txt (Python dict, 3 decimals)', () => {
    const line = formatScoreLine('high_20_lc', { auc: 0.61234, ap: 0.1, f1: 0, precision: 1, recall: NaN });
    expect(line).toBe("high_20_lc: {'auc': 0.612, 'ap': 0.1, 'f1': 0.0, 'precision': 1.0, 'recall': nan}");
  });
});

describe('sortNumbers (the metrics’ sort)', () => {
  it('orders as Float64Array.prototype.sort does: any bits, -0 before 0, ±Infinity, NaN last, ties', () => {
    const random = seededRandom(5);
    const f64 = new Float64Array(1);
    const u32 = new Uint32Array(f64.buffer);
    const cases: Record<string, (i: number) => number> = {
      'any bits': () => {
        u32[0] = random() * 2 ** 32;
        u32[1] = random() * 2 ** 32;
        return f64[0]!;
      },
      'scores in (0, 1)': () => 1 / (1 + Math.exp(-(random() * 8 - 6))),
      'signed, with specials': () => [0, -0, 1, -1, NaN, Infinity, -Infinity, 0.5, -2.5e-300, 1e300][Math.floor(random() * 10)]!,
      'one value': () => 0.25,
    };
    for (const [name, make] of Object.entries(cases)) {
      for (const n of [0, 1, 100, 5000, 70_000, 200_000]) {
        const a = Float64Array.from({ length: n }, (_, i) => make(i));
        const want = a.slice().sort();
        sortNumbers(a);
        expect(a.every((v, i) => Object.is(v, want[i])), `${name}, ${n} values`).toBe(true);
      }
    }
  });
});

describe('predictions.txt', () => {
  it('says when a label has one class only in the predicted rows (its 0 metrics say nothing of the model)', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { Frame } = await import('../../src/core/frame.ts');
    const { appendPredictionMetrics } = await import('../../src/models/stageData.ts');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-metrics-'));
    const table = new Frame([1, 2, 3, 4]);
    table.set('high_20', f([0, 0, 0, NaN]));
    table.set('high_20_lc', f([0.1, 0.2, 0.3, 0.4]));
    table.set('low_20', f([0, 1, 0, 1]));
    table.set('low_20_lc', f([0.1, 0.8, 0.3, 0.4]));
    const model = (scoreColumn: string) => ({ scoreColumn, manifest: { is_regression: false } });
    const models = { models: [model('high_20_lc'), model('low_20_lc')] } as unknown as Parameters<typeof appendPredictionMetrics>[2];
    const { lines, notes } = appendPredictionMetrics(path.join(dir, 'predictions.csv'), table, models);
    expect(lines).toEqual([
      "high_20_lc: {'auc': 0.0, 'ap': 0.0, 'f1': 0.0, 'precision': 0.0, 'recall': 0.0}",
      "low_20_lc: {'auc': 1.0, 'ap': 1.0, 'f1': 0.667, 'precision': 1.0, 'recall': 0.5}",
    ]);
    expect(notes).toEqual([expect.stringMatching(/^high_20: all 3 labelled rows are 0, so its AUC and AP are written as 0/)]);
    expect(fs.readFileSync(path.join(dir, 'predictions.txt'), 'utf8')).toBe(`${lines.join('\n')}\n\n`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('takeRows', () => {
  it('copies the given rows, runs and single rows alike, with the time and each column kind', () => {
    const f = new Frame(Float64Array.from({ length: 12 }, (_, i) => i * 60_000));
    f.set('x', Float64Array.from({ length: 12 }, (_, i) => i * 1.5));
    f.set('b', Float64Array.from({ length: 12 }, (_, i) => i % 2), 'bool');
    const rows = Int32Array.from([0, 2, 3, 4, 7, 9, 10, 11]);
    const t = takeRows(f, rows);
    expect(Array.from(t.time)).toEqual(Array.from(rows, (i) => i * 60_000));
    expect(Array.from(t.get('x'))).toEqual(Array.from(rows, (i) => i * 1.5));
    expect(Array.from(t.get('b'))).toEqual(Array.from(rows, (i) => i % 2));
    expect(t.kind('b')).toBe('bool');
    expect(takeRows(f, new Int32Array(0)).length).toBe(0);
  });
});
