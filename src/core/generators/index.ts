/**
 * The feature, label and signal engine: generators selected by name in the config, run in
 * batch over a whole table or one bar at a time on a stream, with the same numbers.
 */
export { computeFeatures, computeLabels, computeSignals } from './compute.ts';
export { runGeneratorSet, runSection, prefixView, type RunOptions, type SetSection } from './run.ts';
export { createFeatureStream, createSignalStream, type GeneratorStream, type FeatureStream, type StreamOptions } from './stream.ts';
export { BUILT_IN_GENERATORS } from './registry.ts';
export type { CustomGenerator } from './custom.ts';
