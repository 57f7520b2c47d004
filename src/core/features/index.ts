/** Feature generation: see src/core/generators for the dispatcher and the stream. */
export { computeFeatures, runGeneratorSet } from '../generators/index.ts';
export { TALIB_FUNCTIONS, TALIB_NAMES } from './talib/index.ts';
export type { Kernel } from './kernel.ts';
