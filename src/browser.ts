// The engine alone, for bundlers targeting the browser: tensors, autograd, ops, layers, optimizers,
// the training loop and the seeded generator. Nothing here (or below it) may import a Node-only
// module: the file system, child processes, the native addon, the CLI or the data layer's file
// readers. `npm run playground` bundles this with esbuild's platform 'browser', which fails if one
// sneaks in (test/playground/bundle.test.ts).
import './ops/methods.js';

export {
  type BackwardOptions,
  backward,
  isGradEnabled,
  noGrad,
  topologicalOrder,
  zeroGrad,
} from './autograd.js';
export { type MermaidOptions, toMermaid } from './graph.js';
export type { GpuMode } from './kernels/gpu/modes.js';
export { createGpuProviderWith, type GpuHost, type GpuProvider } from './kernels/gpu/provider.js';
export { currentProvider, type ProviderChoice, setProvider, withProvider } from './kernels/registry.js';
export { registerProvider } from './kernels/table.js';
export * from './nn/index.js';
export * from './ops/index.js';
export * from './optim/index.js';
export { defaultGenerator, Generator, manualSeed } from './random.js';
export {
  type Dtype,
  type FloatArray,
  full,
  type NestedArray,
  ones,
  rand,
  randn,
  type Shape,
  Tensor,
  tensor,
  uniform,
  zeros,
} from './tensor.js';
export { History } from './training/history.js';
export { type CompileOptions, type FitOptions, Model, type ModelOptions } from './training/model.js';
