import path from 'node:path';
import type { Config } from '../../config/schema.ts';
import type { Frame } from '../frame.ts';
import { preloadGenerators } from './registry.ts';
import { runSection, runSectionSync, type RunOptions } from './run.ts';

/** Runs the config's feature_sets in order on the frame (in place); returns the frame. */
export async function computeFeatures(frame: Frame, config: Config, options: RunOptions = {}): Promise<Frame> {
  await runSection(frame, config, 'feature_sets', options);
  return frame;
}

/** Runs the config's label_sets in order on the frame (in place); returns the frame. */
export async function computeLabels(frame: Frame, config: Config, options: RunOptions = {}): Promise<Frame> {
  await runSection(frame, config, 'label_sets', options);
  return frame;
}

/**
 * Runs the config's signal_sets in order on the frame (in place) and returns it.
 * Synchronous: custom signal generators must have been loaded (`preloadConfigGenerators`).
 */
export function computeSignals(frame: Frame, config: Config, options: RunOptions = {}): Frame {
  runSectionSync(frame, config, 'signal_sets', options);
  return frame;
}

/**
 * Imports every custom generator module the config names (feature, label and signal sets),
 * so that the synchronous entry points (streams, computeSignals) can use them.
 * `configFile` (or a folder) makes "module.path:function" resolve next to the config first.
 */
export async function preloadConfigGenerators(config: Config, configFile?: string): Promise<void> {
  const configDir = configDirOf(configFile);
  await preloadGenerators(
    [
      { defs: config.feature_sets, section: 'feature_sets' },
      { defs: config.label_sets, section: 'label_sets' },
      { defs: config.signal_sets, section: 'signal_sets' },
    ],
    configDir,
  );
  if (configDir !== undefined) {
    // Also under no folder, which is what callers without a config path look up.
    await preloadGenerators(
      [
        { defs: config.feature_sets, section: 'feature_sets' },
        { defs: config.signal_sets, section: 'signal_sets' },
      ],
      undefined,
    ).catch(() => undefined);
  }
}

/** The folder custom modules resolve against, from a config file path ('' = none). */
export function configDirOf(configFile?: string): string | undefined {
  return configFile ? path.dirname(path.resolve(configFile)) : undefined;
}
