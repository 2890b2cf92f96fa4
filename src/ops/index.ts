// Every op tensorgrad exports. The coverage test checks that each function here has a registry
// entry with samples, so an op cannot be added without its gradient check.
export { elu, gelu, leakyRelu, relu, sigmoid, tanh } from './activations.js';
export { add, div, mul, neg, sub } from './arithmetic.js';
export { conv1d } from './conv1d.js';
export { dense, denseDropout } from './dense.js';
export { dropout } from './dropout.js';
export { gather } from './gather.js';
export { concat, stack } from './join.js';
export { bce, bceWithLogits, huber, mae, mse, softmaxCrossEntropy } from './losses.js';
export { exp, log, pow, sqrt } from './math.js';
export { matmul } from './matmul.js';
export { max } from './max.js';
export { batchNorm, layerNorm } from './normalization.js';
export { gru, lstm, simpleRnn } from './recurrent.js';
export { mean, sum } from './reduce.js';
export { reshape, transpose } from './shape.js';
export { narrow, slice } from './slice.js';
export { softmax } from './softmax.js';
export { where } from './where.js';
