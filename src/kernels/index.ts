export { blockedGemm } from './js/blocked.js';
export { naiveGemm, referenceGemm } from './js/naive.js';
export * from './registry.js';
export * from './types.js';
