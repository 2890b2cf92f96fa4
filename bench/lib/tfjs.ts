// TensorFlow.js as a competitor: the cpu backend (plain JS) and the wasm backend (XNNPACK), both
// in this process. tfjs-node is not used: it downloads binaries at install time.
import type * as TF from '@tensorflow/tfjs';

export type TfBackend = 'cpu' | 'wasm';

export interface TfjsInfo {
  tf: typeof TF;
  version: string;
  wasmVersion: string;
  /** What the wasm backend runs with here (threads need SharedArrayBuffer + workers). */
  wasm: { simd: boolean; multithread: boolean; threads: number };
}

let loaded: Promise<TfjsInfo> | undefined;

/** Loads tfjs and its wasm backend once (silencing tfjs's "install tfjs-node" hint). */
export function loadTfjs(): Promise<TfjsInfo> {
  loaded ??= (async () => {
    const warn = console.warn;
    const log = console.log;
    console.warn = () => {};
    console.log = () => {};
    try {
      const tf = await import('@tensorflow/tfjs');
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      tf.enableProdMode();
      await tf.setBackend('wasm');
      await tf.ready();
      const multithread = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') as boolean;
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') as boolean;
      await tf.setBackend('cpu');
      await tf.ready();
      return {
        tf,
        version: tf.version.tfjs,
        wasmVersion: wasm.version_wasm,
        wasm: { simd, multithread, threads: multithread ? wasm.getThreadsCount() : 1 },
      };
    } finally {
      console.warn = warn;
      console.log = log;
    }
  })();
  return loaded;
}

/** Switches tfjs's backend (both are initialised by loadTfjs, so this is immediate). */
export async function useTfBackend(tf: typeof TF, backend: TfBackend): Promise<void> {
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
}
