/** Signal generation from score columns: smoothen, combine, threshold_rule, threshold_rule2. */
export { computeSignals, createSignalStream } from '../generators/index.ts';
