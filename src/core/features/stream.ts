/** The online path of the feature sets (one new bar at a time). */
export { createFeatureStream, type FeatureStream, type GeneratorStream, type StreamOptions } from '../generators/stream.ts';
