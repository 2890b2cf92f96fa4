export { blockedGemm } from './js/blocked.js';
export { naiveGemm, referenceGemm } from './js/naive.js';
export { loadNativeAddon, type NativeAddon, nativeAddonPath } from './native/addon.js';
export { getNativeThreads, setNativeThreads } from './native/provider.js';
export * from './registry.js';
export * from './types.js';
