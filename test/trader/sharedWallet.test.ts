import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTrader, openTraders, paperWalletFile } from '../../src/app/trader.ts';
import { tradesReport } from '../../src/app/trades.ts';
import { buildConfig } from '../../src/config/load.ts';
import type { Trader } from '../../src/core/trader/trader.ts';
import { readmePromises } from '../readmePromises.ts';
import { SESSION, accountConfigs, accountRig, candle, sessionClock, type AccountRig } from './accountSetup.ts';

const WALLET_PROMISE =
  'Several symbols share one paper wallet, `paper-wallet.json` in their data folder, written atomically with its last good copy as `trader.json` is: a restart, kill -9 or a damaged wallet file leaves every symbol\'s position where it was, as for a single symbol.';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'itb-shared-wallet-'));
  dirs.push(d);
  return d;
};
let rig: AccountRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** What a restart must find again: each symbol's state, orders and ledger, and the wallet's balances. */
const snapshot = async (traders: Trader[]) => ({
  books: traders.map((t) => ({ symbol: t.symbol, mode: t.mode, status: t.book.status, order: t.book.order?.clientOrderId, ledger: t.book.ledger })),
  balances: await traders[0]!.balances(),
});

/** Cuts a file to half its length, as a disk that lost the end of a write would. */
const truncate = (file: string) => fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 40));

describe('the shared paper wallet of several symbols', () => {
  /** Two symbols bought on one wallet; BTC has a sell order open. */
  const traded = async () => {
    const r = await accountRig({ kind: 'paper', symbols: ['BTCUSDT', 'ETHUSDT'], dir: tmp() });
    for (const bars of SESSION.slice(0, 3)) await r.step(bars);
    expect(r.opened.traders.map((t) => t.trader.book.status)).toEqual(['SELLING', 'BOUGHT']);
    return r;
  };

  it('is one file beside the symbols’ folders; a restart finds every position, order and balance where they were', async () => {
    rig = await traded();
    const before = await snapshot(rig.opened.traders.map((t) => t.trader));
    expect(rig.opened.walletFile).toBe(path.join(rig.dir, 'paper-wallet.json'));
    const onDisk = JSON.parse(fs.readFileSync(rig.opened.walletFile!, 'utf8'));
    expect(onDisk.balances.BTC.locked).toBeGreaterThan(0);
    expect(onDisk.balances.ETH.free).toBeGreaterThan(0);
    for (const s of ['BTCUSDT', 'ETHUSDT']) expect(JSON.parse(fs.readFileSync(path.join(rig.dir, s, 'trader.json'), 'utf8')).paperWallet).toBeUndefined();

    const again = await rig.reopen();
    expect(await snapshot(again.opened.traders.map((t) => t.trader))).toEqual(before);
    expect(again.told).toEqual([]);
    // …and trades on from there: BTC's sell fills on the next bar.
    await again.step(SESSION[3]!);
    expect(again.trader('BTCUSDT').stats()).toMatchObject({ trades: 1, wins: 1, position: 0 });
    expect((await again.trader('BTCUSDT').balances()).BTC!.free).toBeCloseTo(0, 12);
  });

  it('a damaged paper-wallet.json is restored from its last good copy with a warning; damaged too, the books take over the wallet’s figures and the admins are told', async () => {
    rig = await traded();
    const file = rig.opened.walletFile!;
    const before = await snapshot(rig.opened.traders.map((t) => t.trader));
    truncate(file);
    const restored = await rig.reopen();
    expect(restored.reports).toHaveLength(1);
    expect(restored.reports[0]).toMatchObject({ file, defaults: false });
    expect(restored.reports[0]!.message).toMatch(/^state file .*paper-wallet\.json was damaged \(kept as .*paper-wallet\.json\.damaged-\d+\); restored from its last good copy/);
    expect(await snapshot(restored.opened.traders.map((t) => t.trader))).toEqual(before);
    expect(restored.told).toEqual([]);
    expect(fs.readdirSync(rig.dir).filter((f) => f.startsWith('paper-wallet.json.damaged-'))).toHaveLength(1);

    // The copy damaged as well: a fresh wallet, as for a single symbol's trader.json; each
    // symbol's books take over what the wallet holds, and the admins hear of each.
    truncate(file);
    truncate(`${file}.bak`);
    const fresh = await rig.reopen();
    expect(fresh.reports[0]).toMatchObject({ file, defaults: true });
    expect((await fresh.trader('BTCUSDT').balances()).USDT).toEqual({ free: 1000, locked: 0 });
    expect(fresh.told.map((t) => t.split('.')[0])).toEqual(['⚠️ BTCUSDT paper: the books did not match the account', '⚠️ ETHUSDT paper: the books did not match the account']);
    expect(fresh.opened.traders.map((t) => t.trader.stats().position)).toEqual([0, 0]);
  });

  for (const killBar of [0, 1, 3]) {
    it(`kill -9 when the wallet has taken bar ${killBar}'s ${killBar === 0 ? 'orders' : 'fills'} and the symbols' books have not: the restart ends the session as an uninterrupted run`, async () => {
      // The session without interruption.
      const reference = await accountRig({ kind: 'paper', symbols: ['BTCUSDT', 'ETHUSDT'], dir: tmp() });
      for (const bars of SESSION) await reference.step(bars);
      const want = await snapshot(reference.opened.traders.map((t) => t.trader));
      expect(want.books.map((b) => b.ledger.length)).toEqual([2, 2]);

      // The same session in a process killed at the first write of the wallet in bar killBar.
      const dir = tmp();
      const pauseFile = path.join(dir, 'paused');
      const child = spawn(process.execPath, ['bin/run-ts.mjs', 'test/trader/sharedAccountProcess.ts'], {
        env: { ...process.env, DATA_DIR: dir, KILL_BAR: String(killBar), ITB_PAUSE_FILE: pauseFile, LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      for (let waited = 0; !fs.existsSync(pauseFile); waited += 50) {
        if (waited > 20_000) throw new Error('the trading process never reached the pause point');
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      // The restart (at that bar's time) redoes the interrupted bar and goes on, as the service does.
      let now = sessionClock(SESSION[killBar]!);
      const told: string[] = [];
      const { traders } = await openTraders(accountConfigs(dir, ['BTCUSDT', 'ETHUSDT'], { mode: 'paper' }), { clock: () => now, tellAdmins: (t) => void told.push(t) });
      for (const { trader } of traders) await trader.start();
      for (const bars of SESSION.slice(killBar)) {
        now = sessionClock(bars);
        await Promise.all(traders.map(({ trader }) => trader.onBar({ ...bars[trader.symbol]![0], buy: !!bars[trader.symbol]![1]?.buy, sell: !!bars[trader.symbol]![1]?.sell })));
      }
      const got = await snapshot(traders.map((t) => t.trader));
      expect(got.books).toEqual(want.books);
      for (const asset of ['USDT', 'BTC', 'ETH']) expect(got.balances[asset]!.free, asset).toBeCloseTo(want.balances[asset]!.free, 8);
      expect(told).toEqual([]);
      expect(readmePromises()).toContain(WALLET_PROMISE);
      await reference.close();
    }, 60_000);
  }

  it("the config's off wins for every symbol at start-up: each one's open order is cancelled and the shared quote released", async () => {
    rig = await accountRig({ kind: 'paper', symbols: ['BTCUSDT', 'ETHUSDT'], dir: tmp() });
    await rig.step(SESSION[0]!);
    expect((await rig.opened.control.balance()).USDT!.locked).toBeGreaterThan(0);
    const told: string[] = [];
    const off = await openTraders(accountConfigs(rig.dir, ['BTCUSDT', 'ETHUSDT'], { mode: 'off' }), { clock: () => sessionClock(SESSION[0]!), tellAdmins: (t) => void told.push(t) });
    for (const { trader } of off.traders) await trader.start();
    expect(off.traders.map((t) => t.trader.mode)).toEqual(['off', 'off']);
    expect((await off.control.balance()).USDT).toEqual({ free: 1000, locked: 0 });
    expect(told).toEqual(
      ['BTCUSDT', 'ETHUSDT'].flatMap((s) => [
        `${s}: trader.mode is "off" in the config (the kill switch): trading is off; it was paper before the restart`,
        `${s}: 1 open paper order cancelled because trading is off`,
      ]),
    );
  });

  it('the first start of several symbols takes over the wallets they had alone (balances added); later starts keep the shared one', async () => {
    const dir = tmp();
    const [btcConfig, ethConfig] = accountConfigs(dir, ['BTCUSDT', 'ETHUSDT'], { mode: 'paper' });
    let now = sessionClock(SESSION[0]!);
    // BTC traded alone and holds a position; ETH ran alone without trading.
    const btc = (await openTrader(btcConfig!, { clock: () => now })).trader;
    await btc.start();
    for (const bars of SESSION.slice(0, 2)) {
      now = sessionClock(bars);
      await btc.onBar({ ...bars.BTCUSDT![0], buy: !!bars.BTCUSDT![1]?.buy, sell: false });
    }
    expect(btc.book.status).toBe('BOUGHT');
    await (await openTrader(ethConfig!, { clock: () => now })).trader.start();
    const alone = await btc.balances();

    const told: string[] = [];
    const { traders, walletFile } = await openTraders([btcConfig!, ethConfig!], { clock: () => now, tellAdmins: (t) => void told.push(t) });
    for (const { trader } of traders) await trader.start();
    const shared = await traders[0]!.trader.balances();
    expect(shared.USDT!.free).toBeCloseTo(alone.USDT!.free + 1000, 8);
    expect(shared.BTC!.free).toBeCloseTo(alone.BTC!.free, 12);
    expect(traders.map((t) => t.trader.book.status)).toEqual(['BOUGHT', 'SOLD']);
    expect(told).toEqual([]); // the books match the wallet they now share
    expect(fs.existsSync(walletFile!)).toBe(true);

    // Taken over once: the next start reads the shared wallet, not the old ones again.
    await traders[1]!.trader.onBar({ ...candle(2, 3000, 3006, 2994, 3000), buy: true, sell: false });
    const after = await traders[0]!.trader.balances();
    const reopened = await openTraders([btcConfig!, ethConfig!], { clock: () => now });
    expect(await reopened.traders[0]!.trader.balances()).toEqual(after);
  });
});

describe('symbols that cannot share one account', () => {
  const configs = (symbols: Array<Record<string, unknown>>) => {
    const dir = tmp();
    return symbols.map((raw) => buildConfig({ data_folder: dir, ...raw }, { env: {} }).config);
  };
  const refusal = async (list: Array<Record<string, unknown>>) => {
    try {
      await openTraders(configs(list), { clock: Date.now });
    } catch (e) {
      return (e as Error).message;
    }
    return 'opened';
  };

  it('are refused in one sentence naming the difference', async () => {
    expect(await refusal([{ symbol: 'BTCUSDT' }, { symbol: 'ETHBTC' }])).toBe(
      'BTCUSDT and ETHBTC trade against different quote assets (USDT, BTC): the symbols of one account share one quote asset.',
    );
    expect(await refusal([{ symbol: 'BTCUSDT' }, { symbol: 'BTCUSDT' }])).toBe('BTCUSDT is given twice: each symbol trades once on the account.');
    expect(await refusal([{ symbol: 'BTCUSDT' }, { symbol: 'XBTUSDT', base_asset: 'BTC', quote_asset: 'USDT' }])).toBe(
      "BTCUSDT and XBTUSDT both trade BTC: each symbol's base asset must be its own on the shared account.",
    );
    expect(await refusal([{ symbol: 'BTCUSDT' }, { symbol: 'ETHUSDT', trader: { max_open_trades: 3 } }])).toBe(
      'trader.max_open_trades is 0 for BTCUSDT but 3 for ETHUSDT: the symbols trade on one account, so it must be the same in every config.',
    );
    expect(await refusal([{ symbol: 'BTCUSDT' }, { symbol: 'ETHUSDT', exchange: { api_key: 'other-key-123' } }])).toBe(
      'exchange.api_key differs: the symbols trade on one account, so it must be the same in every config.',
    );
    const shared = path.join(tmp(), 'state');
    expect(await refusal([{ symbol: 'BTCUSDT', service: { state_folder: shared } }, { symbol: 'ETHUSDT', service: { state_folder: shared } }])).toBe(
      `BTCUSDT and ETHUSDT would share the trader state file ${path.join(shared, 'trader.json')}: give each symbol its own service.state_folder (or none).`,
    );
    expect(await refusal([{ symbol: 'BTCUSDT' }, { symbol: 'ETHUSDT' }])).toBe('opened');
  });
});

describe('itb trades for several symbols', () => {
  it('prints the shared balance once, the total, and each symbol; --symbol prints one', async () => {
    rig = await accountRig({ kind: 'paper', symbols: ['BTCUSDT', 'ETHUSDT'], dir: tmp() });
    for (const bars of SESSION.slice(0, 4)) await rig.step(bars);
    const btc = rig.trader('BTCUSDT').stats();
    const report = await tradesReport(rig.configs, { count: 5 });
    const lines = report.split('\n');
    expect(lines[0]).toBe('Account (paper): BTCUSDT, ETHUSDT · open trades 1 of max_open_trades 2 (ETHUSDT)');
    expect(lines[1]).toMatch(/^Balance: USDT [\d,.]+ · BTC 0\.00000000 · ETH 0\.\d{8}$/);
    expect(lines[2]).toBe(`Total: realised +${btc.realised.toFixed(2)} USDT (+${btc.realisedPercent.toFixed(2)}%) over 1 trade · unrealised +0.00 USDT`);
    expect(report.match(/^Balance:/gm)).toHaveLength(1);
    expect(report).toContain('\n\nTrader BTCUSDT: mode paper, state SOLD\nProfit: realised +');
    expect(report).toContain('\n\nTrader ETHUSDT: mode paper, state BOUGHT\nProfit: realised 0.00 USDT (0.00%) over 0 trades · unrealised +0.00 USDT on 0.16681000 ETH');

    const eth = await tradesReport(rig.configs, { count: 5, symbol: 'eth' });
    expect(eth.split('\n').slice(0, 2)).toEqual(['Trader ETHUSDT: mode paper, state BOUGHT', lines[1]!.replace(' · BTC 0.00000000', '')]);
    await expect(tradesReport(rig.configs, { count: 5, symbol: 'SOL' })).rejects.toThrow('"SOL" is not a symbol served here (BTCUSDT, ETHUSDT)');
    // Read only: nothing was written.
    const stamp = fs.statSync(paperWalletFile(rig.configs[0]!)).mtimeMs;
    await tradesReport(rig.configs, { count: 5 });
    expect(fs.statSync(paperWalletFile(rig.configs[0]!)).mtimeMs).toBe(stamp);
  });
});
