import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSubscriber, openBotState } from '../../src/bot/state.ts';
import { buildConfig } from '../../src/config/load.ts';
import { openTrader } from '../../src/core/trader/openTrader.ts';
import { emptyPaperWallet } from '../../src/core/trader/paperBroker.ts';
import { initialTraderState } from '../../src/core/trader/trader.ts';
import { ServiceState } from '../../src/jobs/service/state.ts';
import type { StateFileRecovery } from '../../src/storage/jsonStore.ts';

/**
 * The three state files (subscribers, the paper ledger, the service's position) survive damage:
 * each write leaves a last good copy `<file>.bak` beside the file; a damaged file is restored
 * from it with a warning; when the copy is damaged too the store starts from its defaults and
 * says so (the caller logs an error and tells the admins). Damaged files are kept aside.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-state-files-'));
  dirs.push(d);
  return d;
};

/** Cuts a file to half its length, as a disk that lost the end of a write would. */
function truncate(file: string): string {
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
  return fs.readFileSync(file, 'utf8');
}

const damagedCopies = (file: string) => fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith(`${path.basename(file)}.damaged-`) || f.startsWith(`${path.basename(file)}.bak.damaged-`));

interface Case {
  name: string;
  /** Opens the store through its real opener, writes something distinctive, returns the file. */
  write(dir: string): Promise<string>;
  /** Opens it again and returns what the distinctive part reads now. */
  read(dir: string, report: (r: StateFileRecovery) => void): Promise<unknown>;
  written: unknown;
  defaults: unknown;
}

const traderConfig = (dir: string) => buildConfig({ data_folder: dir, symbol: 'BTCUSDT', trader: { mode: 'paper' } }, { env: {} }).config;

const cases: Case[] = [
  {
    name: 'bot-state.json (subscribers)',
    async write(dir) {
      const db = await openBotState(dir);
      db.data.subscribers['501'] = defaultSubscriber(501, 'Ada');
      await db.write();
      return path.join(dir, 'bot-state.json');
    },
    read: async (dir, report) => Object.keys((await openBotState(dir, report)).data.subscribers),
    written: ['501'],
    defaults: [],
  },
  {
    name: 'trader.json (the paper ledger)',
    async write(dir) {
      // The trader writes its state as it trades; a state in the middle of a trade, written the same way.
      const file = path.join(dir, 'BTCUSDT', 'trader.json');
      const state = { ...initialTraderState(1000), mode: 'paper' as const, modeChosen: true, lastBarTime: Date.UTC(2025, 10, 30, 12), paperWallet: emptyPaperWallet({ USDT: 10, BTC: 0.0109 }) };
      state.books.paper.status = 'BOUGHT';
      const { openJsonStore } = await import('../../src/storage/jsonStore.ts');
      const db = await openJsonStore(file, state);
      await db.write();
      return file;
    },
    async read(dir, report) {
      const { trader } = await openTrader(traderConfig(dir), { clock: Date.now, stateReport: report });
      return trader.book.status;
    },
    written: 'BOUGHT',
    defaults: 'SOLD',
  },
  {
    name: 'service.json (the last processed bar)',
    async write(dir) {
      const s = await ServiceState.open(dir);
      s.data.lastBarTime = Date.UTC(2025, 10, 30, 12);
      await s.flush();
      return path.join(dir, 'service.json');
    },
    read: async (dir, report) => (await ServiceState.open(dir, report)).data.lastBarTime,
    written: Date.UTC(2025, 10, 30, 12),
    defaults: null,
  },
];

describe('a damaged state file', () => {
  for (const c of cases) {
    it(`${c.name}: restored from its last good copy, with a warning naming both; the damaged file is kept`, async () => {
      const dir = tmp();
      const file = await c.write(dir);
      expect(fs.existsSync(`${file}.bak`)).toBe(true);
      const damaged = truncate(file);
      const reports: StateFileRecovery[] = [];
      expect(await c.read(dir, (r) => reports.push(r))).toEqual(c.written);
      expect(reports).toHaveLength(1);
      expect(reports[0]!.defaults).toBe(false);
      const [aside] = damagedCopies(file);
      expect(reports[0]!.message).toBe(`state file ${file} was damaged (kept as ${path.join(path.dirname(file), aside!)}); restored from its last good copy ${file}.bak`);
      expect(fs.readFileSync(path.join(path.dirname(file), aside!), 'utf8')).toBe(damaged);
      // The file itself is whole again.
      expect(() => JSON.parse(fs.readFileSync(file, 'utf8'))).not.toThrow();
    });

    it(`${c.name}: damaged together with its copy, the store starts from defaults and the report says so, naming where both damaged copies are`, async () => {
      const dir = tmp();
      const file = await c.write(dir);
      truncate(file);
      const copy = truncate(`${file}.bak`);
      const reports: StateFileRecovery[] = [];
      expect(await c.read(dir, (r) => reports.push(r))).toEqual(c.defaults);
      expect(reports).toHaveLength(1);
      expect(reports[0]!.defaults).toBe(true);
      const asides = damagedCopies(file).map((f) => path.join(path.dirname(file), f));
      expect(asides).toHaveLength(2);
      expect(reports[0]!.damagedCopies.sort()).toEqual(asides.sort());
      const bakAside = asides.find((a) => a.includes('.bak.damaged-'))!;
      expect(reports[0]!.message).toMatch(new RegExp(`^state file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was damaged \\(kept as .*\\.damaged-\\d+\\) and its last good copy was damaged too \\(kept as .*\\.bak\\.damaged-\\d+\\): starting from defaults$`));
      expect(fs.readFileSync(bakAside, 'utf8')).toBe(copy);
    });
  }

  it('a file whose last write never happened (only the copy was written) is taken from the copy', async () => {
    const dir = tmp();
    const file = await cases[0]!.write(dir);
    fs.rmSync(file);
    const reports: StateFileRecovery[] = [];
    expect(await cases[0]!.read(dir, (r) => reports.push(r))).toEqual(['501']);
    expect(reports.map((r) => r.message)).toEqual([`state file ${file} was missing; restored from its last good copy ${file}.bak`]);
  });

  it('a first start (no file, no copy) reports nothing', async () => {
    const reports: StateFileRecovery[] = [];
    expect(await cases[0]!.read(tmp(), (r) => reports.push(r))).toEqual([]);
    expect(reports).toEqual([]);
  });
});
