import { loadNativeAddon, type NativeAddon } from '../../src/kernels/index.js';

/** The addon, or the reason it is unavailable (tests then skip with that reason printed). */
export function tryNative(): { addon: NativeAddon | undefined; reason: string } {
  try {
    return { addon: loadNativeAddon(), reason: '' };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    console.warn(`skipping native tests: ${reason}`);
    return { addon: undefined, reason };
  }
}
