/** Label generation (future-looking columns for training): highlow2, highlow, topbot2. */
export { computeLabels } from '../generators/index.ts';
export { highLow2Label } from './highlow2.ts';
export { topBot2Label } from './topbot2.ts';
export { firstCrossing } from './crossing.ts';
