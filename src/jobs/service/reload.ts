import { loadSymbolConfig } from '../../config/symbols.ts';
import type { Config } from '../../config/schema.ts';
import { UserError } from '../../shared/errors.ts';
import { loadModelSet, type ModelSet } from '../../models/modelSet.ts';

/**
 * Keys whose change alters what the running service computes from its history (the feature
 * streams, the scorer's inputs, the candle source): they take effect only after a restart.
 */
const RESTART_KEYS = [
  'symbol', 'freq', 'venue', 'data_folder', 'data_sources', 'feature_sets', 'label_sets', 'train_features',
  'labels', 'algorithms', 'train_feature_sets', 'signal_sets', 'output_sets', 'features_horizon',
  'telegram', 'exchange', 'replay',
] as const;

export interface ReloadDeps {
  configFile: string;
  /** Reads the config again; default: loadConfig(configFile). */
  load?: () => Config;
  running: Config;
  /** Swaps freshly loaded models into the scorer (atomic for the next tick). */
  swap(models: ModelSet): void;
}

/**
 * /reload: re-reads and validates the config file, reloads the models from MODELS/ and swaps
 * them in; keys that need a restart are named instead of half-applied.
 */
export async function reloadService(d: ReloadDeps): Promise<string> {
  if (!d.configFile && !d.load) throw new UserError('this process was started without a config file, so there is nothing to re-read');
  // A file that lists `symbols` is read as this symbol's entry of it.
  const { config: fresh, warnings } = d.load ? { config: d.load(), warnings: [] as string[] } : loadSymbolConfig(d.configFile, d.running.symbol);
  const changed = RESTART_KEYS.filter((k) => JSON.stringify(fresh[k]) !== JSON.stringify(d.running[k]));
  const models = await loadModelSet({ ...d.running, model_folder: fresh.model_folder });
  d.swap(models);
  const lines = [`Config ${d.configFile || '(embedded)'} is valid; ${models.scoreColumns.length} model(s) reloaded from disk: ${models.scoreColumns.join(', ')}.`];
  if (changed.length) lines.push(`Changed keys that take effect after a restart: ${changed.join(', ')}.`);
  else lines.push('No change that needs a restart.');
  for (const w of warnings) lines.push(`Warning: ${w}`);
  return lines.join('\n');
}
