/**
 * `npm run bench`: every area's benchmark in one run, figures side by side with the Python
 * original's (../shared/bench/ITB-BASELINE.md) and the targets of the issues.
 * Usage: npm run bench [-- area…]   (areas: the files bench/<area>.bench.ts)
 * Each area runs in a process of its own, so its peak-memory figures are its own.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow } from './lib.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(here, 'out');
const args = process.argv.slice(2);
const childMode = args[0] === '--area';
const wanted = childMode ? [args[1]!] : args;
const areas = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace('.bench.ts', ''))
  .sort()
  .filter((a) => !wanted.length || wanted.some((w) => a.startsWith(w)));

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

fs.mkdirSync(outDir, { recursive: true });

if (childMode) {
  const area = areas[0]!;
  const mod = (await import(pathToFileURL(path.join(here, `${area}.bench.ts`)).href)) as { bench: () => Promise<BenchRow[]> };
  const rows = (await mod.bench()).map((r) => ({ ...r, area }));
  for (const r of rows) printRow(r);
  fs.writeFileSync(path.join(outDir, `${area}.json`), JSON.stringify(rows, null, 1));
} else {
  console.log(`npm run bench on ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}; one process per area\n`);
  const rows: BenchRow[] = [];
  const runner = path.resolve(here, '..', 'bin', 'run-ts.mjs');
  for (const area of areas) {
    process.stderr.write(`bench ${area} …\n`);
    fs.rmSync(path.join(outDir, `${area}.json`), { force: true });
    // Info logs (one line per replayed tick) would bury the figures; LOG_LEVEL=info shows them.
    const env = { LOG_LEVEL: 'warn', ...process.env };
    const r = spawnSync(process.execPath, ['--expose-gc', runner, path.join(here, 'index.ts'), '--area', area], { stdio: 'inherit', env });
    const file = path.join(outDir, `${area}.json`);
    if (r.status !== 0 || !fs.existsSync(file)) {
      console.log(`${area.padEnd(10)} FAILED (exit ${r.status ?? r.signal})`);
      continue;
    }
    rows.push(...(JSON.parse(fs.readFileSync(file, 'utf8')) as BenchRow[]));
  }
  fs.writeFileSync(path.join(outDir, 'last.json'), JSON.stringify(rows, null, 1));
  console.log(`\n${rows.length} figures; written to bench/out/last.json`);
}
