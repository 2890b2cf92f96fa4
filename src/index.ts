// The public API of tensorgrad.
import './ops/methods.js';

export {
  type BackwardOptions,
  backward,
  isGradEnabled,
  noGrad,
  topologicalOrder,
  zeroGrad,
} from './autograd.js';
export * as data from './data/index.js';
export { GradcheckError, type GradcheckOptions, type GradcheckResult, gradcheck } from './gradcheck.js';
export { type MermaidOptions, toMermaid } from './graph.js';
export * from './io/index.js';
export * as kernels from './kernels/index.js';
export {
  getNativeThreads,
  requestedGpuMode,
  resetVulkanOptions,
  setGpuMode,
  setNativeThreads,
  setVulkanOptions,
  type VulkanSettings,
} from './kernels/index.js';
export { currentProvider, type ProviderChoice, setProvider, withProvider } from './kernels/registry.js';
export * as metrics from './metrics/index.js';
export * from './nn/index.js';
export * from './ops/index.js';
export { type OpInfo, type OpSample, opRegistry, registerOp } from './ops/registry.js';
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
export * from './training/index.js';
