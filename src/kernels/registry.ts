import { blockedProvider } from './js/blocked.js';
import { naiveProvider } from './js/naive.js';
import { registerProvider } from './table.js';

/**
 * What ops import: the dispatched kernels (one per declaration) and the kernel table, with the
 * built-in providers registered.
 */
export * from './declarations/index.js';
export * from './table.js';

registerProvider(blockedProvider);
registerProvider(naiveProvider);
// The native provider is registered by kernels/index.ts (the Node side), so the dispatcher itself
// imports nothing of Node and a page can bundle it.
