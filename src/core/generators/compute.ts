import type { Config } from '../../config/schema.ts';
import type { Frame } from '../frame.ts';
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
 * Synchronous. Custom generators, here and in the other runs, must have been loaded
 * (`preloadConfigGenerators` of storage/userModules.ts).
 */
export function computeSignals(frame: Frame, config: Config, options: RunOptions = {}): Frame {
  runSectionSync(frame, config, 'signal_sets', options);
  return frame;
}
