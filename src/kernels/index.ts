import { createNativeProvider } from './native/provider.js';
import { registerLazyProvider } from './registry.js';

// Loaded on first use; if the addon is missing the registry prints one line and auto uses TS.
registerLazyProvider('native', () => createNativeProvider());

export { blockedGemm } from './js/blocked.js';
export { naiveGemm, referenceGemm } from './js/naive.js';
export { loadNativeAddon, type NativeAddon, nativeAddonPath } from './native/addon.js';
export { getNativeThreads, setNativeThreads } from './native/provider.js';
export * from './registry.js';
export * from './types.js';
