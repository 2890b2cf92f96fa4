import { blockedProvider } from './js/blocked.js';
import { naiveProvider } from './js/naive.js';
import { createNativeProvider } from './native/provider.js';
import { registerLazyProvider, registerProvider } from './table.js';

/**
 * What ops import: the dispatched kernels (one per declaration) and the kernel table, with the
 * built-in providers registered.
 */
export * from './declarations/index.js';
export * from './table.js';

registerProvider(blockedProvider);
registerProvider(naiveProvider);
// Loaded on first use wherever the dispatcher is imported; if the addon is missing, one line says
// why and auto carries on with the TypeScript kernels.
registerLazyProvider('native', () => createNativeProvider());
