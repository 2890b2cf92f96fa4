// Every op tensorgrad exports. The coverage test checks that each function here has a registry
// entry with samples, so an op cannot be added without its gradient check.
export { elu, gelu, leakyRelu, relu, sigmoid, tanh } from './activations.js';
export { add, div, mul, neg, sub } from './arithmetic.js';
export { dense } from './dense.js';
export { dropout } from './dropout.js';
export { bce, bceWithLogits, huber, mae, mse, softmaxCrossEntropy } from './losses.js';
export { exp, log, pow, sqrt } from './math.js';
export { matmul } from './matmul.js';
export { batchNorm, layerNorm } from './normalization.js';
export { mean, sum } from './reduce.js';
export { reshape, transpose } from './shape.js';
export { softmax } from './softmax.js';
