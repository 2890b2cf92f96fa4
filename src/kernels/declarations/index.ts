// Every kernel: its declaration (name, argument schema, TypeScript reference) and the dispatched
// function ops call. A new kernel is one file here, one line below, and each provider's
// implementation.
export * from './adam-update.js';
export * from './add-into.js';
export * from './column-sums.js';
export * from './dense-dropout-forward.js';
export * from './dense-forward.js';
export * from './dropout.js';
export * from './gather-rows.js';
export * from './gemm.js';
export * from './im2col.js';
export * from './quantized.js';
export * from './recurrent.js';
export * from './relu-backward.js';
export * from './relu-dropout-backward.js';
export * from './sigmoid-backward.js';
