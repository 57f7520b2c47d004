import { DAY } from '../../src/core/time.ts';

/**
 * The hand-worked series of the metric tests: one bar a day from 2024-01-01.
 *
 *   row  price  buy sell   what happens (the state machine starts waiting for a buy)
 *   0    100    1   0      buy            → long opens at 100
 *   1    110    1   0      (waiting for a sell: ignored)
 *   2    120    0   1      sell           → long closes +20 (+20 %), short opens at 120
 *   3    110    0   1      (waiting for a buy: ignored)
 *   4     90    1   0      buy            → short closes +30 (+25 %), long opens at 90
 *   5      0    0   1      price 0: the row is skipped, its sell too
 *   6     80    0   1      sell           → long closes −10 (−11.11 %), short opens at 80
 *   7    105    0   0      end: the short is still open (−31.25 % at 105)
 */
export const T0 = Date.UTC(2024, 0, 1);
export const time = Float64Array.from({ length: 8 }, (_, i) => T0 + i * DAY);
export const price = Float64Array.from([100, 110, 120, 110, 90, 0, 80, 105]);
export const buy = Float64Array.from([1, 1, 0, 0, 1, 0, 0, 0]);
export const sell = Float64Array.from([0, 0, 1, 1, 0, 1, 1, 0]);
export const day = (i: number) => T0 + i * DAY;
