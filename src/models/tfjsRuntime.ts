import path from 'node:path';
import { createRequire } from 'node:module';
import { log } from '../shared/log.ts';

/**
 * Picks the fastest TensorFlow.js backend there is: tfjs-node when it is installed, else
 * WebAssembly (its .wasm files sit in the package's dist folder), else the plain JS backend.
 */
let ready: Promise<{ tf: typeof import('@tensorflow/tfjs-core'); tfl: typeof import('@tensorflow/tfjs-layers'); backend: string }> | undefined;

export function tfjs() {
  ready ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const tfl = await import('@tensorflow/tfjs-layers');
    await import('@tensorflow/tfjs-backend-cpu');
    const require = createRequire(import.meta.url);
    try {
      const nodeBackend = '@tensorflow/tfjs-node';
      await import(nodeBackend);
      if (await tf.setBackend('tensorflow')) return { tf, tfl, backend: 'tensorflow' };
    } catch {
      // not installed: the usual case
    }
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return { tf, tfl, backend: 'wasm' };
      }
    } catch (e) {
      log().warn(`TensorFlow.js wasm backend unavailable (${(e as Error).message}); training nn on the slower cpu backend`);
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return { tf, tfl, backend: 'cpu' };
  })();
  return ready;
}

export function tfjsVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('@tensorflow/tfjs-core/package.json') as { version: string }).version;
}
