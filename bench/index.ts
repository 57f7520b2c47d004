/**
 * `npm run bench`: every area's benchmark in one run, figures side by side with the Python
 * original's (../shared/bench/ITB-BASELINE.md) and the targets of the issues.
 * Usage: npm run bench [-- area…]   (areas: the files bench/<area>.bench.ts)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow } from './lib.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort()
  .filter((f) => !wanted.length || wanted.some((w) => f.startsWith(w)));

const rows: BenchRow[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(path.join(here, f)).href)) as { bench: () => Promise<BenchRow[]> };
  const area = f.replace('.bench.ts', '');
  process.stderr.write(`bench ${area} …\n`);
  try {
    const got = await mod.bench();
    for (const r of got) printRow({ ...r, area });
    rows.push(...got.map((r) => ({ ...r, area })));
  } catch (e) {
    console.log(`${area}: FAILED ${(e as Error).stack ?? e}`);
  }
}

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

function printRow(r: BenchRow): void {
  const ratio = r.baseline !== undefined && r.baseline > 0 ? ` | ratio ${fmt(r.value / r.baseline)}× of ${r.baselineLabel ?? 'baseline'} ${fmt(r.baseline)} ${r.unit}` : '';
  const target = r.target ? ` | target ${r.target}` : '';
  console.log(`${(r.area ?? '').padEnd(10)} ${r.name.padEnd(58)} ${fmt(r.value).padStart(10)} ${r.unit}${ratio}${target}${r.note ? ` | ${r.note}` : ''}`);
}

fs.mkdirSync(path.join(here, 'out'), { recursive: true });
fs.writeFileSync(path.join(here, 'out', 'last.json'), JSON.stringify(rows, null, 1));
console.log(`\n${rows.length} figures; written to bench/out/last.json`);
