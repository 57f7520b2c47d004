import type { Algorithm, AlgoKind } from './types.ts';

/**
 * The algorithms by the original's `algo` names. Each is imported on first use, so that
 * scoring with lc models never loads TensorFlow.js, XGBoost or libsvm.
 */
export async function algorithm(kind: AlgoKind): Promise<Algorithm> {
  switch (kind) {
    case 'lc':
      return (await import('./lc.ts')).lc;
    case 'nn':
      return (await import('./nn.ts')).nn;
    case 'gb':
      return (await import('./gb.ts')).gb;
    case 'svc':
      return (await import('./svc.ts')).svc;
  }
}

/** Whether scaling is on when `params.is_scale` is absent: off for gb, on for the others (as the original). */
export function defaultScaling(kind: AlgoKind): boolean {
  return kind !== 'gb';
}
