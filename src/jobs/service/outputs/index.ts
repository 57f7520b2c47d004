import path from 'node:path';
import { importModuleFile } from '../../../core/generators/custom.ts';
import type { Config } from '../../../config/schema.ts';
import { UserError } from '../../../core/errors.ts';
import type { Freq } from '../../../core/time.ts';
import type { Logger } from '../../../log.ts';
import { DiagramOutput, parseDiagramConfig, type DiagramRenderer, type DiagramTransaction } from '../diagram.ts';
import type { BarOutput, ChannelPublisher, OutputBar } from '../ports.ts';
import type { RecentBars } from '../recentBars.ts';
import { ScoreNotificationOutput } from './scoreOutput.ts';

export interface OutputDeps {
  config: Config;
  /** Folder of the config file: custom output modules resolve against it. */
  configDir: string;
  freq: Freq;
  publisher: ChannelPublisher;
  recent: () => RecentBars;
  log: Logger;
  /** Draws the diagram; without it diagram outputs are skipped with a warning. */
  render?: DiagramRenderer;
  /** The trader fed by trader_simulation / trader_binance entries. */
  trader?: (generator: string, raw: Record<string, unknown>, where: string) => BarOutput;
  transactions?: () => DiagramTransaction[];
}

/** A custom output: `"path/to/module.ts:function"`, called with the bar and its config (the original's `module:function`). */
type CustomOutputFn = (bar: OutputBar, outputConfig: Record<string, unknown>, config: Config) => unknown;

/** Builds output_sets in order; a generator the project does not know is a config error naming its key. */
export async function createOutputs(deps: OutputDeps): Promise<BarOutput[]> {
  const outputs: BarOutput[] = [];
  const sets = deps.config.output_sets;
  for (let i = 0; i < sets.length; i++) {
    const def = sets[i]!;
    const where = `output_sets[${i}]`;
    const raw = def.config ?? {};
    switch (def.generator) {
      case 'score_notification_model':
        outputs.push(new ScoreNotificationOutput(raw, where, deps.config, deps.freq, deps.publisher));
        break;
      case 'diagram_notification_model': {
        const cfg = parseDiagramConfig(raw, where);
        if (!deps.render) {
          deps.log.warn(`${where}: diagram_notification_model is skipped: no chart renderer is available`);
          break;
        }
        outputs.push(
          new DiagramOutput(cfg, {
            freq: deps.freq,
            title: deps.config.description ? `${deps.config.symbol}: ${deps.config.description}` : deps.config.symbol,
            recent: deps.recent,
            render: deps.render,
            publisher: deps.publisher,
            transactions: deps.transactions,
          }),
        );
        break;
      }
      case 'trader_simulation':
      case 'trader_binance':
        if (!deps.trader) throw new UserError(`config: key ${where}.generator: "${def.generator}" needs the trader, which is not available here`);
        outputs.push(deps.trader(def.generator, raw, where));
        break;
      case 'trader_mt5':
        throw new UserError(`config: key ${where}.generator: "trader_mt5" (MetaTrader 5) is not supported by this project; use trader_simulation or trader_binance`);
      default:
        if (def.generator.includes(':')) {
          outputs.push(await customOutput(def.generator, raw, where, deps));
          break;
        }
        throw new UserError(
          `config: key ${where}.generator: unknown output "${def.generator}" (known: score_notification_model, diagram_notification_model, trader_simulation, trader_binance, or "file.ts:function")`,
        );
    }
  }
  return outputs;
}

async function customOutput(spec: string, raw: Record<string, unknown>, where: string, deps: OutputDeps): Promise<BarOutput> {
  const cut = spec.lastIndexOf(':');
  const file = spec.slice(0, cut);
  const fnName = spec.slice(cut + 1);
  if (!/\.(ts|mts|js|mjs)$/.test(file)) {
    throw new UserError(`config: key ${where}.generator: "${spec}" names a Python module; write the output as a TypeScript/JavaScript file ("outputs/mine.ts:${fnName}")`);
  }
  const abs = path.resolve(deps.configDir, file);
  let mod: Record<string, unknown>;
  try {
    mod = await importModuleFile(abs);
  } catch (e) {
    throw new UserError(`config: key ${where}.generator: cannot load ${abs}: ${(e as Error).message}`);
  }
  const fn = mod[fnName];
  if (typeof fn !== 'function') throw new UserError(`config: key ${where}.generator: ${abs} has no exported function "${fnName}"`);
  return {
    name: spec,
    run: async (bar) => {
      await (fn as CustomOutputFn)(bar, raw, deps.config);
    },
  };
}
